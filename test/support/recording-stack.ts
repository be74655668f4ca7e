import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import {
  connectDatabaseEmulator,
  type Database,
  getDatabase,
  goOffline,
  onValue,
  push,
  ref,
  serverTimestamp,
  update,
} from 'firebase/database';
import { deleteApp as deleteAdminApp } from 'firebase-admin/app';
import { inject } from 'vitest';
import { startRecordingUpdate, stopRecordingUpdate } from '../../common/recording-commands.js';
import type { RecordingOptions } from '../../common/recording-options.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { type Config, loadConfig } from '../../controller/config/load-config.js';
import {
  type Controller,
  createController,
  type FilePipelineSettings,
} from '../../controller/controller.js';
import { initializeFirebase } from '../../controller/firebase/firebase-app.js';
import { createLogger } from '../../controller/logging/logger.js';
import { type LivekitEmulator, startLivekitEmulator } from '../../emulators/livekit/index.js';
import { signUpUser } from './firebase-users.js';
import { randomSecret, validEnv } from './test-env.js';
import { CapturedLog } from './test-server.js';

const RULES_FILE = new URL('../../database.rules.json', import.meta.url);

export interface StackOptions {
  /** Extra controller environment (timeouts, intervals). */
  readonly env?: Record<string, string>;
  readonly livekit?: Partial<Parameters<typeof startLivekitEmulator>[0]>;
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

  private constructor(
    /** The Realtime Database emulator the suite runs against (ours, or Google's). */
    readonly databaseHost: string,
    readonly databaseUrl: string,
    readonly livekit: LivekitEmulator,
    readonly outputDir: string,
    readonly keys: { readonly apiKey: string; readonly apiSecret: string },
    private readonly options: StackOptions,
  ) {}

  static async start(options: StackOptions = {}): Promise<RecordingStack> {
    const databaseHost = process.env.FIREBASE_DATABASE_EMULATOR_HOST ?? '';
    if (databaseHost === '') throw new Error('FIREBASE_DATABASE_EMULATOR_HOST is not set');
    // A namespace of its own, with the project's rules, as any emulator takes them.
    const namespace = `demo-${randomBytes(5).toString('hex')}`;
    const rules = await fetch(`http://${databaseHost}/.settings/rules.json?ns=${namespace}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer owner' },
      body: await readFile(RULES_FILE, 'utf8'),
    });
    if (!rules.ok)
      throw new Error(`could not load the rules: ${rules.status} ${await rules.text()}`);
    const outputDir = await mkdtemp(join(tmpdir(), 'recordings-'));
    const apiKey = randomSecret('APIkey');
    const apiSecret = randomSecret('secret');
    const livekit = await startLivekitEmulator({
      keys: { [apiKey]: apiSecret },
      outputDir,
      egressActivationDelayMs: 100,
      egressWriteIntervalMs: 200,
      webhookRetryDelaysMs: [50, 100, 200, 400],
      ...options.livekit,
    });
    const databaseUrl = `https://${namespace}.firebaseio.com`;
    return new RecordingStack(
      databaseHost,
      databaseUrl,
      livekit,
      outputDir,
      { apiKey, apiSecret },
      options,
    );
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
        LIVEKIT_URL: this.livekit.url,
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
    this.livekit.controls.webhooks.setUrl(`${address}/webhooks/livekit`);
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
    const [host, port] = this.databaseHost.split(':');
    connectDatabaseEmulator(db, host ?? '127.0.0.1', Number(port));
    const uid = signedIn.user.uid;
    const participant: Participant = {
      uid,
      db,
      nextRecordingId: () => push(ref(db, 'recordings')).key ?? '',
      async start(roomUrl, { recordingId = participant.nextRecordingId(), ...options } = {}) {
        await update(
          ref(db),
          startRecordingUpdate({
            roomUrl,
            recordingId,
            uid,
            serverTime: serverTimestamp(),
            options,
          }),
        );
        return recordingId;
      },
      async stop(roomUrl, recordingId) {
        await update(
          ref(db),
          stopRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp() }),
        );
      },
      async close() {
        goOffline(db);
        await deleteApp(app);
      },
    };
    this.participants.push(participant);
    return participant;
  }

  /** A room URL of its own, with its key. */
  static room(): { roomUrl: string; roomKey: string } {
    const roomUrl = `https://app.example.com/room/${randomBytes(6).toString('hex')}`;
    return { roomUrl, roomKey: roomKeyFromUrl(roomUrl) };
  }

  /** Resolves with the record once `predicate` holds for it, as a participant's listener sees it. */
  async waitForRecord(
    db: Database,
    roomKey: string,
    recordingId: string,
    predicate: (record: Record<string, unknown>) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
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
    let listening: () => void = () => {};
    // Resolved by the first event: from then on, every later status reaches this listener.
    const ready = new Promise<void>((resolve) => {
      listening = resolve;
    });
    const stop = onValue(ref(db, `recordings/${roomKey}/${recordingId}/status`), (snapshot) => {
      listening();
      const status = snapshot.val();
      if (typeof status === 'string' && statuses.at(-1) !== status) statuses.push(status);
    });
    return { statuses, ready, stop };
  }

  /** Resolves once the room's lock (the recording indicator) satisfies `predicate`. */
  async waitForLock(
    db: Database,
    roomKey: string,
    predicate: (lock: Record<string, unknown> | null) => boolean,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown> | null> {
    return waitForValue(db, `rooms/${roomKey}/activeRecording`, predicate, timeoutMs);
  }

  async stop(): Promise<void> {
    for (const participant of this.participants) await participant.close().catch(() => {});
    for (const controller of this.controllers) await controller.stop().catch(() => {});
    await this.livekit.stop();
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
