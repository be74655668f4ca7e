import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLivekitEmulator } from '../livekit/index.js';
import { startRtdbEmulator } from '../rtdb/index.js';
import { startStorageEmulator } from '../storage/index.js';
import { startAuthEmulator } from './auth-emulator.js';

/** What a starter gets: the project, and a scratch directory of its own. */
export interface LocalServerContext {
  readonly projectId: string;
  readonly dir: string;
}

/** A server the harness started; `env` is what points the SDKs at it. */
export interface StartedServer {
  readonly env: Readonly<Record<string, string>>;
  stop(): Promise<void>;
}

/**
 * How to start one local server. `presentWhen` names the variable that says the server already
 * runs (set by `firebase emulators:exec`); then the harness uses it and starts nothing. Servers
 * Firebase has no emulator for (LiveKit) leave it out and always start.
 */
export interface LocalServerStarter {
  readonly name: string;
  readonly presentWhen?: string;
  start(context: LocalServerContext): Promise<StartedServer>;
  /** The variables to export when the server was found already running (default: `presentWhen`). */
  envWhenPresent?(value: string): Record<string, string>;
}

const authStarter: LocalServerStarter = {
  name: 'auth',
  presentWhen: 'FIREBASE_AUTH_EMULATOR_HOST',
  async start({ projectId }) {
    const auth = await startAuthEmulator(projectId);
    return { env: { FIREBASE_AUTH_EMULATOR_HOST: auth.host }, stop: auth.stop };
  },
};

// firebase-admin derives STORAGE_EMULATOR_HOST from FIREBASE_STORAGE_EMULATOR_HOST at its first
// getStorage(); setting both lets a bare `new Storage()` from @google-cloud/storage find us too.
const storageEnv = (host: string) => ({
  FIREBASE_STORAGE_EMULATOR_HOST: host,
  STORAGE_EMULATOR_HOST: `http://${host}`,
});

const storageStarter: LocalServerStarter = {
  name: 'storage',
  presentWhen: 'FIREBASE_STORAGE_EMULATOR_HOST',
  async start({ dir }) {
    const storage = await startStorageEmulator({ dir });
    return { env: storageEnv(storage.host), stop: storage.stop };
  },
  envWhenPresent: storageEnv,
};

const rtdbStarter: LocalServerStarter = {
  name: 'rtdb',
  presentWhen: 'FIREBASE_DATABASE_EMULATOR_HOST',
  async start() {
    const rtdb = await startRtdbEmulator();
    return { env: { FIREBASE_DATABASE_EMULATOR_HOST: rtdb.host }, stop: rtdb.stop };
  },
};

// Firebase has no LiveKit emulator, so this one always starts, with a key pair of its own.
const livekitStarter: LocalServerStarter = {
  name: 'livekit',
  async start({ dir }) {
    const apiKey = `API${randomBytes(6).toString('hex')}`;
    const apiSecret = randomBytes(24).toString('base64url');
    const livekit = await startLivekitEmulator({ keys: { [apiKey]: apiSecret }, outputDir: dir });
    return {
      env: { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret },
      stop: livekit.stop,
    };
  },
};

/** Every local server of the stack, in start order: a new emulator adds one entry. */
export const LOCAL_SERVER_STARTERS: readonly LocalServerStarter[] = [
  authStarter,
  rtdbStarter,
  storageStarter,
  livekitStarter,
];

export interface LocalServersOptions {
  readonly projectId: string;
  /** Where variables like FIREBASE_AUTH_EMULATOR_HOST are looked up (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly starters?: readonly LocalServerStarter[];
}

export interface LocalServers {
  /** The variables the SDKs honour, for every server, started or found. */
  readonly env: Readonly<Record<string, string>>;
  /** Names of the servers this harness started (in-process fault switches exist for these). */
  readonly started: readonly string[];
  /** Names of the servers found already running (e.g. under `firebase emulators:exec`). */
  readonly found: readonly string[];
  stop(): Promise<void>;
}

/**
 * Starts every local server on loopback and free ports, each with a scratch directory under one
 * temp directory, except those whose variable is already set: those are used as they are.
 */
export async function startLocalServers(options: LocalServersOptions): Promise<LocalServers> {
  const environment = options.env ?? process.env;
  const root = await mkdtemp(join(tmpdir(), 'local-servers-'));
  const running: { name: string; server: StartedServer }[] = [];
  const env: Record<string, string> = {};
  const found: string[] = [];
  const stop = async () => {
    for (const { server } of running.reverse()) await server.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    for (const starter of options.starters ?? LOCAL_SERVER_STARTERS) {
      const variable = starter.presentWhen;
      const present = variable === undefined ? undefined : environment[variable];
      if (variable !== undefined && present !== undefined && present !== '') {
        Object.assign(env, starter.envWhenPresent?.(present) ?? { [variable]: present });
        found.push(starter.name);
        continue;
      }
      const dir = join(root, starter.name);
      await mkdir(dir);
      const server = await starter.start({ projectId: options.projectId, dir });
      running.push({ name: starter.name, server });
      Object.assign(env, server.env);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { env, started: running.map(({ name }) => name), found, stop };
}
