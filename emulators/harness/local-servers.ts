import { randomBytes } from 'node:crypto';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LivekitEmulatorControls, startLivekitEmulator } from '../livekit/index.js';
import { startRtdbEmulator } from '../rtdb/index.js';
import { type StorageFaults, startStorageEmulator } from '../storage/index.js';
import { startAuthEmulator } from './auth-emulator.js';

/** What a starter gets: the project, and a scratch directory of its own. */
export interface LocalServerContext {
  readonly projectId: string;
  readonly dir: string;
  /** The port to listen on; absent: a free one. */
  readonly port?: number;
  /**
   * A directory kept between runs (`npm run local`): the server loads what it holds at start
   * and saves its data there when stopped. Absent: nothing survives `stop()`.
   */
  readonly dataDir?: string;
  /** Rules every database namespace starts with (database.rules.json's text); absent: open. */
  readonly databaseRules?: string;
  /** Where LiveKit sends its webhooks; absent: nowhere. */
  readonly livekitWebhookUrl?: string;
  /** The LiveKit API key pair; absent: a fresh random one. */
  readonly livekitKeys?: { readonly apiKey: string; readonly apiSecret: string };
}

/** A server the harness started; `env` is what points the SDKs at it. */
export interface StartedServer {
  readonly env: Readonly<Record<string, string>>;
  /** The Storage server's fault switches (in process only), for tests that break its wire. */
  readonly storageFaults?: StorageFaults;
  /** The LiveKit emulator's controls (in process only): webhook faults, egress switches. */
  readonly livekitControls?: LivekitEmulatorControls;
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
  async start({ projectId, port, dataDir }) {
    const auth = await startAuthEmulator(projectId, { port, dataDir });
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
  async start({ dir, port, dataDir }) {
    const storage = await startStorageEmulator({ dir: dataDir ?? dir, port });
    return { env: storageEnv(storage.host), storageFaults: storage.faults, stop: storage.stop };
  },
  envWhenPresent: storageEnv,
};

const rtdbStarter: LocalServerStarter = {
  name: 'rtdb',
  presentWhen: 'FIREBASE_DATABASE_EMULATOR_HOST',
  async start({ port, dataDir, databaseRules }) {
    const saved = dataDir === undefined ? undefined : await savedExport(dataDir);
    const rtdb = await startRtdbEmulator({
      port,
      rules: databaseRules,
      importFile: saved,
      exportOnExit: dataDir,
    });
    return { env: { FIREBASE_DATABASE_EMULATOR_HOST: rtdb.host }, stop: rtdb.stop };
  },
};

/** An export directory a previous run left, or undefined on a first run. */
async function savedExport(dataDir: string): Promise<string | undefined> {
  try {
    await access(join(dataDir, 'firebase-export-metadata.json'));
    return dataDir;
  } catch {
    return undefined;
  }
}

/** The key pair the context names, or a fresh random one. */
export function livekitKeyPair(context: LocalServerContext): { apiKey: string; apiSecret: string } {
  return {
    apiKey: context.livekitKeys?.apiKey ?? `API${randomBytes(6).toString('hex')}`,
    apiSecret: context.livekitKeys?.apiSecret ?? randomBytes(24).toString('base64url'),
  };
}

// Firebase has no LiveKit emulator, so this one always starts, with a key pair of its own.
const livekitStarter: LocalServerStarter = {
  name: 'livekit',
  async start(context) {
    const { dir, port, dataDir, livekitWebhookUrl } = context;
    const { apiKey, apiSecret } = livekitKeyPair(context);
    const livekit = await startLivekitEmulator({
      keys: { [apiKey]: apiSecret },
      outputDir: dataDir ?? dir,
      port,
      webhookUrl: livekitWebhookUrl,
    });
    return {
      env: { LIVEKIT_URL: livekit.url, LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret },
      livekitControls: livekit.controls,
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
  /** Per server name: its port (absent: a free one). */
  readonly ports?: Readonly<Record<string, number>>;
  /** Keep each server's data in `<dataDir>/<name>` between runs (see LocalServerContext). */
  readonly dataDir?: string;
  readonly databaseRules?: string;
  readonly livekitWebhookUrl?: string;
  readonly livekitKeys?: LocalServerContext['livekitKeys'];
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
  /** The Storage server's fault switches, when this harness started it. */
  readonly storageFaults?: StorageFaults;
  /** The LiveKit emulator's controls, when this harness started it. */
  readonly livekitControls?: LivekitEmulatorControls;
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
      const dataDir =
        options.dataDir === undefined ? undefined : join(options.dataDir, starter.name);
      if (dataDir !== undefined) await mkdir(dataDir, { recursive: true });
      const server = await starter.start({
        projectId: options.projectId,
        dir,
        port: options.ports?.[starter.name],
        dataDir,
        databaseRules: options.databaseRules,
        livekitWebhookUrl: options.livekitWebhookUrl,
        livekitKeys: options.livekitKeys,
      });
      running.push({ name: starter.name, server });
      Object.assign(env, server.env);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  const storageFaults = running.find(({ server }) => server.storageFaults)?.server.storageFaults;
  const livekitControls = running.find(({ server }) => server.livekitControls)?.server
    .livekitControls;
  return {
    env,
    started: running.map(({ name }) => name),
    found,
    storageFaults,
    livekitControls,
    stop,
  };
}
