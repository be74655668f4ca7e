import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteApp, type FirebaseApp, initializeApp } from 'firebase/app';
import { type Database, getDatabase, onValue, ref } from 'firebase/database';
import { freePort } from '../../emulators/harness/free-port.js';
import type { LivekitEmulatorOptions } from '../../emulators/livekit/index.js';
import { type ObservedProcess, spawnController } from '../../test/support/controller-process.js';
import {
  admitToRoom,
  type CommandWriter,
  commandWriter,
  connectToDatabaseEmulator,
  namespaceWithRules,
  newRoom,
  serviceAccountEnv,
} from '../../test/support/stack-wiring.js';
import { type EmulatorProcess, startEmulatorProcess } from './emulator-process.js';
import { type LivekitProcess, startLivekitProcess } from './livekit-process.js';

export const PROJECT_ID = 'demo-bench';
export const BUCKET = `${PROJECT_ID}.firebasestorage.app`;

/** The RTDB and Storage emulators, each a process of its own, shared by every benchmark. */
export class BenchServers {
  private constructor(
    readonly rtdb: EmulatorProcess,
    readonly storage: EmulatorProcess,
    private readonly storageDir: string,
  ) {}

  static async start(): Promise<BenchServers> {
    const storageDir = await mkdtemp(join(tmpdir(), 'bench-storage-'));
    const [rtdb, storage] = await Promise.all([
      startEmulatorProcess('rtdb'),
      startEmulatorProcess('storage', ['--dir', storageDir]),
    ]);
    return new BenchServers(rtdb, storage, storageDir);
  }

  async stop(): Promise<void> {
    await Promise.all([this.rtdb.stop(), this.storage.stop()]);
    await rm(this.storageDir, { recursive: true, force: true });
  }
}

/** The controller as `npm start` runs it, with the pid whose /proc/<pid>/status is its own. */
export interface ControllerUnderTest {
  readonly process: ObservedProcess;
  readonly pid: number;
  readonly base: string;
  /** When it was spawned (performance.now() of this process). */
  readonly spawnedAt: number;
  stop(): Promise<void>;
}

/** A start command as the SPA writes it, with the times its writer and a second client saw. */
export type Participant = CommandWriter;

/**
 * One benchmark's world: a database namespace of its own with the project's rules, a LiveKit
 * emulator (a process of its own, driven over IPC) writing into a fresh recordings directory,
 * and controllers spawned as `npm start` runs them (`node <flags> dist/controller/main.js`).
 */
export class BenchStack {
  private readonly controllers: ControllerUnderTest[] = [];
  private readonly apps: FirebaseApp[] = [];
  /** Each participant's admission to a room of the default namespace (see roomWith). */
  private readonly admitters: ((roomKey: string) => Promise<void>)[] = [];

  private constructor(
    readonly servers: BenchServers,
    readonly namespace: string,
    readonly livekit: LivekitProcess,
    readonly outputDir: string,
    readonly keys: { readonly apiKey: string; readonly apiSecret: string },
  ) {}

  static async start(
    servers: BenchServers,
    livekitOptions: Partial<LivekitEmulatorOptions> = {},
  ): Promise<BenchStack> {
    const namespace = await BenchStack.newNamespace(servers);
    const outputDir = await mkdtemp(join(tmpdir(), 'bench-recordings-'));
    const apiKey = `APIbench${randomBytes(6).toString('hex')}`;
    const apiSecret = randomBytes(24).toString('base64url');
    const livekit = await startLivekitProcess({
      keys: { [apiKey]: apiSecret },
      outputDir,
      ...livekitOptions,
    });
    return new BenchStack(servers, namespace, livekit, outputDir, { apiKey, apiSecret });
  }

  /** A namespace with the project's rules and nothing else. */
  static newNamespace(servers: BenchServers): Promise<string> {
    return namespaceWithRules(servers.rtdb.host, 'demo-bench');
  }

  databaseUrl(namespace = this.namespace): string {
    return `https://${namespace}.firebaseio.com`;
  }

  /** Writes `data` at `path` as the owner (rules bypassed), as an import or a migration does. */
  async adminPatch(path: string, data: unknown, namespace = this.namespace): Promise<void> {
    const response = await fetch(
      `http://${this.servers.rtdb.host}/${path}.json?ns=${namespace}&print=silent`,
      { method: 'PATCH', headers: { authorization: 'Bearer owner' }, body: JSON.stringify(data) },
    );
    if (!response.ok) throw new Error(`PATCH ${path}: ${response.status} ${await response.text()}`);
  }

  /** Spawns the built controller with a complete environment and waits until it listens. */
  async startController(
    options: { namespace?: string; env?: Record<string, string> } = {},
  ): Promise<ControllerUnderTest> {
    const port = await freePort();
    const spawnedAt = performance.now();
    const child = spawnController({
      LIVEKIT_API_KEY: this.keys.apiKey,
      LIVEKIT_API_SECRET: this.keys.apiSecret,
      LIVEKIT_URL: this.livekit.url,
      LIVEKIT_CONTROL_API_KEY: randomBytes(18).toString('base64url'),
      ...serviceAccountEnv(PROJECT_ID),
      FIREBASE_DATABASE_URL: this.databaseUrl(options.namespace),
      FIREBASE_DATABASE_EMULATOR_HOST: this.servers.rtdb.host,
      FIREBASE_STORAGE_EMULATOR_HOST: this.servers.storage.host,
      RECORDING_OUTPUT_DIR: this.outputDir,
      CONTROL_HOST: '127.0.0.1',
      CONTROL_PORT: String(port),
      CONTROLLER_ID: `bench-${randomBytes(3).toString('hex')}`,
      LOG_LEVEL: 'info',
      ...options.env,
    });
    // BENCH_CONTROLLER_LOGS=<dir>: each controller's log, to see where its time goes.
    const logDir = process.env.BENCH_CONTROLLER_LOGS;
    if (logDir !== undefined && logDir !== '') {
      child.child.stdout?.pipe(
        createWriteStream(join(logDir, `controller-${child.child.pid}.log`)),
      );
    }
    const base = `http://127.0.0.1:${port}`;
    const controller: ControllerUnderTest = {
      process: child,
      pid: child.child.pid as number,
      base,
      spawnedAt,
      stop: async () => {
        if (child.child.exitCode !== null || child.child.signalCode !== null) return;
        child.child.kill('SIGTERM');
        const timer = setTimeout(() => child.child.kill('SIGKILL'), 15_000);
        await child.exited;
        clearTimeout(timer);
      },
    };
    this.controllers.push(controller);
    await child.waitForOutput(/Server listening/, 60_000);
    await this.livekit.setWebhookUrl(`${base}/webhooks/livekit`);
    return controller;
  }

  /** A signed-in participant (the web SDK with an emulator ID token), as the SPA writes commands. */
  async participant(namespace = this.namespace): Promise<Participant> {
    const uid = `user-${randomBytes(6).toString('hex')}`;
    const app = initializeApp(
      { projectId: PROJECT_ID, databaseURL: this.databaseUrl(namespace) },
      `participant-${randomBytes(6).toString('hex')}`,
    );
    this.apps.push(app);
    const db = getDatabase(app);
    connectToDatabaseEmulator(db, this.servers.rtdb.host, { mockUserToken: { user_id: uid } });
    const writer = commandWriter(app, db, uid, (roomKey) =>
      admitToRoom(this.servers.rtdb.host, namespace, roomKey, uid),
    );
    // Through the writer, so its own first command in the room does not admit again.
    if (namespace === this.namespace) this.admitters.push(writer.join);
    return { ...writer, close: () => writer.close().catch(() => {}) };
  }

  /**
   * Makes every participant of the bench (default namespace) a member of the room, as a token
   * would: the rules let only members watch a room's records.
   */
  async admitParticipants(roomKey: string): Promise<void> {
    await Promise.all(this.admitters.map((admit) => admit(roomKey)));
  }

  /**
   * A room of its own with the participant in it (as LiveKit sees them), publishing if asked.
   * Its members are every participant of the bench, or only `members` when given.
   */
  async roomWith(
    identity: string,
    options: { readonly publishing?: boolean; readonly members?: readonly Participant[] } = {},
  ): Promise<{ roomUrl: string; roomKey: string }> {
    const { roomUrl, roomKey } = newRoom();
    if (options.members === undefined) await this.admitParticipants(roomKey);
    else await Promise.all(options.members.map((member) => member.join(roomKey)));
    await this.livekit.addParticipant(roomKey, identity);
    if (options.publishing === true) await this.livekit.setPublishing(roomKey, identity, true);
    return { roomUrl, roomKey };
  }

  async stop(): Promise<void> {
    for (const controller of this.controllers) await controller.stop();
    for (const app of this.apps) await deleteApp(app).catch(() => {});
    await this.livekit.stop();
    await rm(this.outputDir, { recursive: true, force: true });
  }
}

/** Records when a client first saw each status of one record (performance.now()). */
export class StatusTimeline {
  readonly seen = new Map<string, number>();
  private readonly waiters: { status: string; resolve: (at: number) => void }[] = [];
  private readonly unsubscribe: () => void;
  /** Resolves once the server answered the listen (its first event): writes after it are timed fairly. */
  readonly ready: Promise<void>;

  constructor(db: Database, roomKey: string, recordingId: string) {
    let listening: () => void = () => {};
    this.ready = new Promise((resolve) => {
      listening = resolve;
    });
    this.unsubscribe = onValue(ref(db, `recordings/${roomKey}/${recordingId}/status`), (snap) => {
      listening();
      const status = snap.val();
      if (typeof status !== 'string' || this.seen.has(status)) return;
      const at = performance.now();
      this.seen.set(status, at);
      for (const waiter of this.waiters.filter((candidate) => candidate.status === status))
        waiter.resolve(at);
    });
  }

  /** When `status` was (or will be) first seen; rejects after `timeoutMs`. */
  when(status: string, timeoutMs = 60_000): Promise<number> {
    const at = this.seen.get(status);
    if (at !== undefined) return Promise.resolve(at);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`status ${status} not seen; saw ${[...this.seen.keys()].join(', ') || '-'}`),
          ),
        timeoutMs,
      );
      this.waiters.push({
        status,
        resolve: (seenAt) => {
          clearTimeout(timer);
          resolve(seenAt);
        },
      });
    });
  }

  close(): void {
    this.unsubscribe();
  }
}
