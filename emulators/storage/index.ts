import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen } from '../harness/listen.js';
import { StorageFaults } from './faults.js';
import { ObjectStore, type StoredObject } from './object-store.js';
import { createStorageServer, type LoggedRequest } from './storage-server.js';
import { UploadSessions } from './upload-sessions.js';

export type { FailRequestsOptions, FiredFault, LatencyOptions, RequestKind } from './faults.js';
export { StorageFaults } from './faults.js';
export type { StoredObject } from './object-store.js';
export type { LoggedRequest } from './storage-server.js';

export interface StorageEmulatorOptions {
  /** 0 or absent: a free port chosen by the OS. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Where objects and uploads are written; absent: a temp directory removed on stop(). */
  readonly dir?: string;
}

/** A running local Cloud Storage server. */
export interface StorageEmulator {
  /** `127.0.0.1:<port>`: the value FIREBASE_STORAGE_EMULATOR_HOST takes. */
  readonly host: string;
  readonly port: number;
  /** The data directory; every byte the server writes is below it. */
  readonly dir: string;
  /** Switches that break the wire for the next requests (see faults.ts). */
  readonly faults: StorageFaults;
  /** The most recent requests (up to 1000), oldest first. */
  readonly requests: readonly LoggedRequest[];
  /** An object's current generation as stored, or undefined. */
  object(bucket: string, name: string): StoredObject | undefined;
  /** An object's bytes, read from disk (for small test objects). */
  readObject(bucket: string, name: string): Promise<Buffer>;
  /** Ids of the resumable sessions not cancelled or expired (finalized ones included). */
  uploadSessionIds(): string[];
  /** Forgets a resumable session as if it had expired: its URI now answers 404. */
  expireUploadSession(sessionUri: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the server on loopback; resolves once it listens. */
export async function startStorageEmulator(
  options: StorageEmulatorOptions = {},
): Promise<StorageEmulator> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'storage-emulator-')));
  const store = await ObjectStore.open(dir);
  const sessions = new UploadSessions();
  const faults = new StorageFaults();
  const requests: LoggedRequest[] = [];
  const server = createStorageServer({ store, sessions, faults }, requests);
  const bindHost = options.host ?? '127.0.0.1';
  const port = await listen(server, bindHost, options.port);

  return {
    host: `${bindHost}:${port}`,
    port,
    dir,
    faults,
    requests,
    object: (bucket, name) => store.get(bucket, name),
    readObject: async (bucket, name) => readFile(store.require(bucket, name).dataPath),
    uploadSessionIds: () => sessions.ids(),
    expireUploadSession: async (sessionUri) => {
      const id = new URL(sessionUri).searchParams.get('upload_id');
      if (id !== null) await sessions.discard(id);
    },
    stop: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      for (const id of sessions.ids()) await sessions.discard(id);
      if (ownsDir) await rm(dir, { recursive: true, force: true });
    },
  };
}
