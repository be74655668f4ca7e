import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { type Database, getDatabase, onValue, ref } from 'firebase/database';
import { deleteApp as deleteAdminApp } from 'firebase-admin/app';
import { EgressClient } from 'livekit-server-sdk';
import { inject } from 'vitest';
import type { RecordingOptions } from '../../common/recording/recording-options.js';
import { type Config, loadConfig } from '../../controller/config/load-config.js';
import {
  type Controller,
  createController,
  type FilePipelineSettings,
} from '../../controller/controller.js';
import { initializeFirebase } from '../../controller/firebase/firebase-app.js';
import { createLogger } from '../../controller/logging/logger.js';
import type { LivekitEmulator, startLivekitEmulator } from '../../emulators/livekit/index.js';
import type { RealLivekit, RealLivekitOptions } from '../../emulators/livekit-server/index.js';
import { signUpUser } from './firebase-users.js';
import {
  EmulatedLivekit,
  type LivekitUnderTest,
  RealLivekitUnderTest,
  type RoomMember,
} from './livekit-under-test.js';
import {
  admitToRoom,
  commandWriter,
  connectToDatabaseEmulator,
  namespaceWithRules,
  newRoom,
} from './stack-wiring.js';
import { randomSecret, validEnv } from './test-env.js';
import { CapturedLog } from './test-server.js';

export interface StackOptions {
  /** Extra controller environment (timeouts, intervals). */
  readonly env?: Record<string, string>;
  readonly livekit?: Partial<Parameters<typeof startLivekitEmulator>[0]>;
  /**
   * Record on the real livekit-server (Redis, the egress worker) instead of our emulator; the
   * suite must skip itself where `realLivekitAvailability()` says it cannot run.
   */
  readonly real?: true | Partial<Omit<RealLivekitOptions, 'apiKey' | 'apiSecret'>>;
  /**
   * The controller's file pipeline. Off unless given, so suites about recording control see
   * records end at `processing`; file-pipeline suites turn it on with short waits.
   */
  readonly files?: Partial<FilePipelineSettings>;
}

export interface RunningController {
  readonly controller: Controller;
  readonly config: Config;
  readonly base: string;
  readonly log: CapturedLog;
  stop(): Promise<void>;
}

/** A participant's view: signed in with the web SDK, writing commands exactly as the SPA does. */
export interface Participant {
  readonly uid: string;
  readonly db: Database;
  /** Writes a start request; a `recordingId` chosen beforehand lets a watcher listen before it. */
  start(
    roomUrl: string,
    options?: RecordingOptions & { readonly recordingId?: string },
  ): Promise<string>;
  /** A fresh recording id, as `start` would pick it. */
  nextRecordingId(): string;
  /** Becomes a member of the room, as a token does; start, stop and the stack's reads do it. */
  join(roomKey: string): Promise<void>;
  stop(roomUrl: string, recordingId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * RTDB and LiveKit emulators with the project's rules, a fresh database namespace and a
 * controller (in process) wired to both, as the local stack runs them.
 */
export class RecordingStack {
  private readonly controllers: RunningController[] = [];
  private readonly participants: Participant[] = [];
  private readonly members: RoomMember[] = [];

  private constructor(
    /** The Realtime Database emulator the suite runs against (ours, or Google's). */
    readonly databaseHost: string,
    readonly databaseUrl: string,
    /** The LiveKit it records on, emulated or real. */
    readonly lk: LivekitUnderTest,
    readonly outputDir: string,
    readonly keys: { readonly apiKey: string; readonly apiSecret: string },
    private readonly options: StackOptions,
  ) {}

  static async start(options: StackOptions = {}): Promise<RecordingStack> {
    const databaseHost = process.env.FIREBASE_DATABASE_EMULATOR_HOST ?? '';
    if (databaseHost === '') throw new Error('FIREBASE_DATABASE_EMULATOR_HOST is not set');
    const namespace = await namespaceWithRules(databaseHost, 'demo');
    const outputDir = await mkdtemp(join(tmpdir(), 'recordings-'));
    const apiKey = randomSecret('APIkey');
    const apiSecret = randomSecret('secret');
    const keys = { apiKey, apiSecret };
    const lk =
      options.real === undefined
        ? await EmulatedLivekit.start(keys, outputDir, options.livekit)
        : await RealLivekitUnderTest.start(keys, options.real === true ? {} : options.real);
    const databaseUrl = `https://${namespace}.firebaseio.com`;
    return new RecordingStack(databaseHost, databaseUrl, lk, outputDir, keys, options);
  }

  /** LiveKit's Egress API, as the controller's key pair reaches it (emulated or real). */
  egressClient(): EgressClient {
    return new EgressClient(this.lk.url, this.keys.apiKey, this.keys.apiSecret);
  }

  /** Our emulator, with its controls; a stack on the real server has none. */
  get livekit(): LivekitEmulator {
    if (!(this.lk instanceof EmulatedLivekit)) throw new Error('this stack runs the real server');
    return this.lk.emulator;
  }

  /** The real server, Redis, egress workers and webhook relay of a stack started with `real`. */
  get real(): RealLivekit {
    if (!(this.lk instanceof RealLivekitUnderTest)) throw new Error('this stack runs the emulator');
    return this.lk.real;
  }

  /** Starts a controller; the LiveKit emulator sends its webhooks to the newest one. */
  async startController(
    env: Record<string, string> = {},
    files: Partial<FilePipelineSettings> | undefined = this.options.files,
    clock?: () => number,
  ): Promise<RunningController> {
    const config = loadConfig(
      validEnv({
        LIVEKIT_API_KEY: this.keys.apiKey,
        LIVEKIT_API_SECRET: this.keys.apiSecret,
        LIVEKIT_URL: this.lk.url,
        FIREBASE_DATABASE_URL: this.databaseUrl,
        RECORDING_OUTPUT_DIR: this.outputDir,
        CONTROL_HOST: '127.0.0.1',
        CONTROLLER_ID: `controller-${randomBytes(3).toString('hex')}`,
        RECONCILE_INTERVAL_S: '1',
        LOG_LEVEL: 'debug',
        ...this.options.env,
        ...env,
      }),
    );
    const log = new CapturedLog();
    const firebase = initializeFirebase(config.firebase, `controller-${randomUUID()}`);
    const controller = await createController(
      config,
      createLogger(config.log.level, log),
      firebase,
      { files: files ?? { enabled: false }, clock },
    );
    const address = await controller.app.listen({ host: '127.0.0.1', port: 0 });
    controller.startWork();
    this.lk.sendWebhooksTo(`${address}/webhooks/livekit`);
    const running: RunningController = {
      controller,
      config,
      base: address,
      log,
      stop: async () => {
        await controller.app.close();
        await deleteAdminApp(firebase);
      },
    };
    this.controllers.push(running);
    return running;
  }

  /**
   * A complete environment for the controller as a process of its own (so that a test can kill
   * and restart it), wired to the emulators this test process's SDKs reach.
   */
  controllerProcessEnv(
    port: number,
    overrides: Record<string, string> = {},
  ): Record<string, string | undefined> {
    return validEnv({
      CONTROL_HOST: '127.0.0.1',
      CONTROL_PORT: String(port),
      LOG_LEVEL: 'info',
      LIVEKIT_API_KEY: this.keys.apiKey,
      LIVEKIT_API_SECRET: this.keys.apiSecret,
      LIVEKIT_URL: this.lk.url,
      FIREBASE_DATABASE_URL: this.databaseUrl,
      RECORDING_OUTPUT_DIR: this.outputDir,
      RECONCILE_INTERVAL_S: '1',
      FIREBASE_DATABASE_EMULATOR_HOST: this.databaseHost,
      FIREBASE_AUTH_EMULATOR_HOST: inject('authEmulatorHost'),
      FIREBASE_STORAGE_EMULATOR_HOST: process.env.FIREBASE_STORAGE_EMULATOR_HOST,
      ...overrides,
    });
  }

  async participant(): Promise<Participant> {
    const user = await signUpUser();
    const app = initializeApp(
      {
        apiKey: 'fake-api-key',
        projectId: inject('firebaseProjectId'),
        databaseURL: this.databaseUrl,
      },
      `participant-${randomUUID()}`,
    );
    const auth = getAuth(app);
    connectAuthEmulator(auth, `http://${inject('authEmulatorHost')}`, { disableWarnings: true });
    const signedIn = await signInWithEmailAndPassword(auth, user.email, user.password);
    const db = getDatabase(app);
    connectToDatabaseEmulator(db, this.databaseHost);
    const uid = signedIn.user.uid;
    const writer = commandWriter(app, db, uid, (roomKey) => this.admit(roomKey, uid));
    const participant: Participant = {
      uid: writer.uid,
      db,
      nextRecordingId: writer.nextRecordingId,
      join: writer.join,
      start: (roomUrl, { recordingId, ...options } = {}) =>
        writer.start(roomUrl, recordingId, options),
      stop: writer.stop,
      close: writer.close,
    };
    this.participants.push(participant);
    return participant;
  }

  /** A new participant in a room of their own, publishing, as LiveKit sees them. */
  async publisherInNewRoom(): Promise<{
    roomUrl: string;
    roomKey: string;
    alice: Participant;
    /** Alice in the LiveKit room: she can stop publishing or leave. */
    aliceInRoom: RoomMember;
  }> {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await this.participant();
    const aliceInRoom = await this.joinAndPublish(roomKey, alice.uid);
    return { roomUrl, roomKey, alice, aliceInRoom };
  }

  /** `identity` joins the LiveKit room `roomKey` and publishes a camera. */
  async joinAndPublish(roomKey: string, identity: string): Promise<RoomMember> {
    const member = await this.lk.joinAndPublish(roomKey, identity);
    this.members.push(member);
    return member;
  }

  /** A publisher in a room of their own starts a recording; resolves once it records. */
  async recordingInNewRoom(options?: RecordingOptions): Promise<{
    roomUrl: string;
    roomKey: string;
    recordingId: string;
    alice: Participant;
    aliceInRoom: RoomMember;
    /** The record as it first showed `recording`. */
    record: Record<string, unknown>;
  }> {
    const { roomUrl, roomKey, alice, aliceInRoom } = await this.publisherInNewRoom();
    const recordingId = await alice.start(roomUrl, options);
    const record = await this.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      (value) => value.status === 'recording',
    );
    return { roomUrl, roomKey, recordingId, alice, aliceInRoom, record };
  }

  /** A room URL of its own, with its key. */
  static room(): { roomUrl: string; roomKey: string } {
    return newRoom();
  }

  /** Makes `uid` a member of the room, as a token from the controller does. */
  admit(roomKey: string, uid: string): Promise<void> {
    const namespace = new URL(this.databaseUrl).hostname.split('.')[0] ?? '';
    return admitToRoom(this.databaseHost, namespace, roomKey, uid);
  }

  /** A participant's reads need membership of the room; the admin's and strangers' are left as they are. */
  private async admitReader(db: Database, roomKey: string): Promise<void> {
    const participant = this.participants.find((candidate) => candidate.db === db);
    if (participant !== undefined) await participant.join(roomKey);
  }

  /** Resolves with the record once `predicate` holds for it, as a participant's listener sees it. */
  async waitForRecord(
    db: Database,
    roomKey: string,
    recordingId: string,
    predicate: (record: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    await this.admitReader(db, roomKey);
    const record = await waitForValue(
      db,
      `recordings/${roomKey}/${recordingId}`,
      (value) => value !== null && predicate(value),
      timeoutMs,
    );
    return record ?? {};
  }

  /** Every status a record passes through, as a participant's listener sees them. */
  watchStatuses(
    db: Database,
    roomKey: string,
    recordingId: string,
  ): { statuses: string[]; ready: Promise<void>; stop(): void } {
    const statuses: string[] = [];
    let unsubscribe: () => void = () => {};
    let stopped = false;
    // Resolved by the first event: from then on, every later status reaches this listener.
    const ready = this.admitReader(db, roomKey).then(
      () =>
        new Promise<void>((resolve) => {
          if (stopped) return resolve();
          unsubscribe = onValue(
            ref(db, `recordings/${roomKey}/${recordingId}/status`),
            (snapshot) => {
              resolve();
              const status = snapshot.val();
              if (typeof status === 'string' && statuses.at(-1) !== status) statuses.push(status);
            },
          );
        }),
    );
    const stop = () => {
      stopped = true;
      unsubscribe();
    };
    return { statuses, ready, stop };
  }

  /** Resolves once the room's lock (the recording indicator) satisfies `predicate`. */
  async waitForLock(
    db: Database,
    roomKey: string,
    predicate: (lock: Record<string, unknown> | null) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown> | null> {
    await this.admitReader(db, roomKey);
    return waitForValue(db, `rooms/${roomKey}/activeRecording`, predicate, timeoutMs);
  }

  async stop(): Promise<void> {
    for (const participant of this.participants) await participant.close().catch(() => {});
    for (const member of this.members) await member.leave().catch(() => {});
    for (const controller of this.controllers) await controller.stop().catch(() => {});
    await this.lk.stop();
    await rm(this.outputDir, { recursive: true, force: true });
  }
}

/** Resolves with the value at `path` once `predicate` holds, as a client listener sees it. */
function waitForValue(
  db: Database,
  path: string,
  predicate: (value: Record<string, unknown> | null) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown> | null> {
  return new Promise((resolve, reject) => {
    let last: unknown;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out waiting on ${path}; last value ${JSON.stringify(last)}`));
    }, timeoutMs);
    const unsubscribe = onValue(ref(db, path), (snapshot) => {
      last = snapshot.val();
      const value = snapshot.val() as Record<string, unknown> | null;
      if (predicate(value)) {
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      }
    });
  });
}
