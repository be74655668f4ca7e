import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawRuntimeConfig } from '../../web/src/config/runtime-config.js';
import { freePort } from '../harness/free-port.js';
import { LOCAL_SERVER_STARTERS, startLocalServers } from '../harness/local-servers.js';
import { realLivekitStarter } from '../harness/real-livekit-starter.js';
import type { LivekitEmulatorControls } from '../livekit/index.js';
import type { StorageFaults } from '../storage/index.js';
import { type ControllerChild, startControllerChild } from './controller-child.js';
import { DEMO_USERS, type DemoUser, seedDemoUsers } from './demo-users.js';
import type { ConfigForm } from './index-html.js';
import { type SpaServer, startSpaServer } from './spa-server.js';
import { buildWebApp } from './web-build.js';

const RULES_FILE = new URL('../../database.rules.json', import.meta.url);
const HOST = '127.0.0.1';

/** The ports people expect (Firebase's emulator defaults, LiveKit's, the controller's, Vite's). */
export const CONVENTIONAL_PORTS = {
  auth: 9099,
  rtdb: 9000,
  storage: 9199,
  livekit: 7880,
  controller: 8789,
  app: 5173,
} as const;

type ServiceName = keyof typeof CONVENTIONAL_PORTS;

export interface LocalStackOptions {
  /** `conventional`: the usual ports where free, else free ones; `random`: free ports (tests). */
  readonly ports: 'conventional' | 'random';
  /** Data kept between runs (accounts, database, files); absent: a temp dir removed on stop. */
  readonly dataDir?: string;
  /** How the page carries its settings (default `window`). */
  readonly configForm?: ConfigForm;
  /** The built SPA to serve; absent: built now into the data directory. */
  readonly webDir?: string;
  /** Origins besides the stack's own SPA allowed to call the controller (CORS). */
  readonly extraAppOrigins?: readonly string[];
  /** Extra controller variables (tests shorten intervals). */
  readonly controllerEnv?: Readonly<Record<string, string>>;
  /** `emulator` (default, no Go needed) or `real`: livekit-server, Redis and egress worker. */
  readonly livekit?: 'emulator' | 'real';
  /**
   * Called with the ports chosen for an attempt, before any server binds them: the moment in
   * which another program can take one (tests take one here).
   */
  readonly portsChosen?: (ports: Readonly<Record<ServiceName, number>>) => Promise<void>;
}

/** How many times the stack starts again on fresh ports when a chosen port was taken. */
const START_ATTEMPTS = 3;

/**
 * A chosen port was taken by another program between the check and the bind, on every attempt:
 * its message is the one sentence `npm run local` prints.
 */
export class PortTakenError extends Error {
  constructor(readonly port: number | undefined) {
    super(
      `${port === undefined ? 'A port' : `Port ${port}`} was taken by another program while the local stack started (${START_ATTEMPTS} attempts); stop that program or run with --ports random.`,
    );
    this.name = 'PortTakenError';
  }
}

// In-process servers fail with EADDRINUSE; the controller's child prints it; firebase-tools
// says "port taken" or "is not open".
const PORT_TAKEN = /EADDRINUSE|port taken|is not open/i;

function portTaken(error: unknown, ports: Readonly<Record<ServiceName, number>>) {
  if (!(error instanceof Error)) return undefined;
  const { code, port } = error as NodeJS.ErrnoException & { port?: unknown };
  if (code === 'EADDRINUSE') return { port: typeof port === 'number' ? port : undefined };
  if (!PORT_TAKEN.test(error.message)) return undefined;
  // Node's words: "listen EADDRINUSE: address already in use 127.0.0.1:8789".
  const named = Number(/address already in use \S*:(\d+)/.exec(error.message)?.[1]);
  return { port: Object.values(ports).find((each) => each === named) };
}

export interface LocalStack {
  readonly urls: Readonly<Record<ServiceName, string>>;
  readonly projectId: string;
  /** The settings written into the SPA's index.html. */
  readonly webConfig: RawRuntimeConfig;
  readonly demoUsers: readonly DemoUser[];
  readonly controllerLogFile: string;
  /** The directory egress writes recordings to (and the controller reads). */
  readonly recordingsDir: string;
  /** The Storage server's fault switches (tests hold an upload to watch it in progress). */
  readonly storageFaults: StorageFaults | undefined;
  /** The LiveKit emulator's controls (tests hold a webhook to watch a passing status). */
  readonly livekitControls: LivekitEmulatorControls | undefined;
  stop(): Promise<void>;
}

async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, HOST, () => server.close(() => resolve(true)));
  });
}

async function choosePorts(mode: LocalStackOptions['ports']) {
  const ports = {} as Record<ServiceName, number>;
  for (const [name, conventional] of Object.entries(CONVENTIONAL_PORTS) as [
    ServiceName,
    number,
  ][]) {
    ports[name] = mode === 'conventional' && (await isFree(conventional)) ? conventional : 0;
    if (ports[name] === 0) ports[name] = await freePort(HOST);
  }
  return ports;
}

/** A service-account key made now: the emulators accept any, and none is ever committed. */
function generatedPrivateKey(): string {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
}

/**
 * The whole product on loopback: Auth, Realtime Database, Storage and LiveKit (with egress)
 * emulators, the controller as a child process configured by environment variables only, and
 * the built SPA configured for them. What `npm run local` runs, and what the browser tests use.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'local-stack-')));
  await mkdir(dataDir, { recursive: true });
  // The build needs none of the servers: it runs while they start, once for every attempt.
  const webDir = options.webDir ?? join(dataDir, 'web');
  const built = options.webDir === undefined ? buildWebApp(webDir) : Promise.resolve();
  built.catch(() => {});
  for (let attempt = 1; ; attempt++) {
    const ports = await choosePorts(options.ports);
    await options.portsChosen?.(ports);
    try {
      return await startOnPorts(options, { ports, dataDir, ownsDataDir, webDir, built });
    } catch (error) {
      const taken = portTaken(error, ports);
      if (taken === undefined || attempt === START_ATTEMPTS) {
        await built.catch(() => {});
        if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
        throw taken === undefined ? error : new PortTakenError(taken.port);
      }
    }
  }
}

interface Attempt {
  readonly ports: Readonly<Record<ServiceName, number>>;
  readonly dataDir: string;
  readonly ownsDataDir: boolean;
  readonly webDir: string;
  readonly built: Promise<void>;
}

async function startOnPorts(
  options: LocalStackOptions,
  { ports, dataDir, ownsDataDir, webDir, built }: Attempt,
): Promise<LocalStack> {
  const projectId = 'demo-chatspheres';
  const urls: Record<ServiceName, string> = {
    auth: `http://${HOST}:${ports.auth}`,
    rtdb: `http://${HOST}:${ports.rtdb}`,
    storage: `http://${HOST}:${ports.storage}`,
    livekit: `http://${HOST}:${ports.livekit}`,
    controller: `http://${HOST}:${ports.controller}`,
    app: `http://${HOST}:${ports.app}`,
  };
  const livekitKeys = {
    apiKey: `API${randomBytes(6).toString('hex')}`,
    apiSecret: randomBytes(24).toString('base64url'),
  };
  const stops: (() => Promise<void>)[] = [];
  const stopServers = async () => {
    for (const stopOne of stops.reverse()) await stopOne().catch(() => {});
  };
  const stop = async () => {
    await stopServers();
    if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const servers = await startLocalServers({
      projectId,
      // Always our own servers, even inside a shell or test worker that points elsewhere.
      env: {},
      ports: ports,
      dataDir: join(dataDir, 'emulators'),
      databaseRules: await readFile(RULES_FILE, 'utf8'),
      livekitWebhookUrl: `${urls.controller}/webhooks/livekit`,
      livekitKeys,
      starters: LOCAL_SERVER_STARTERS.map((starter) =>
        starter.name === 'livekit' && options.livekit === 'real' ? realLivekitStarter : starter,
      ),
    });
    stops.push(servers.stop);
    await seedDemoUsers(servers.env.FIREBASE_AUTH_EMULATOR_HOST ?? '', DEMO_USERS);

    const databaseUrl = `https://${projectId}-default-rtdb.firebaseio.com`;
    const recordingsDir = join(dataDir, 'emulators', 'livekit');
    const controllerLogFile = join(dataDir, 'controller.log');
    const controller: ControllerChild = await startControllerChild(
      {
        ...servers.env,
        LIVEKIT_URL: urls.livekit,
        LIVEKIT_HOST: urls.livekit,
        LIVEKIT_API_KEY: livekitKeys.apiKey,
        LIVEKIT_API_SECRET: livekitKeys.apiSecret,
        LIVEKIT_CONTROL_API_KEY: randomBytes(24).toString('base64url'),
        FIREBASE_PROJECT_ID: projectId,
        FIREBASE_CLIENT_EMAIL: `controller@${projectId}.iam.gserviceaccount.com`,
        FIREBASE_PRIVATE_KEY: generatedPrivateKey().replaceAll('\n', '\\n'),
        FIREBASE_DATABASE_URL: databaseUrl,
        FIREBASE_STORAGE_BUCKET: `${projectId}.firebasestorage.app`,
        RECORDING_OUTPUT_DIR: recordingsDir,
        CONTROL_HOST: HOST,
        CONTROL_PORT: String(ports.controller),
        CORS_ORIGINS: [urls.app, ...(options.extraAppOrigins ?? [])].join(','),
        LOG_LEVEL: 'info',
        ...options.controllerEnv,
      },
      controllerLogFile,
    );
    stops.push(controller.stop);

    await built;
    const webConfig: RawRuntimeConfig = {
      livekitUrl: urls.livekit.replace(/^http/, 'ws'),
      controlApiBaseUrl: urls.controller,
      firebase: { apiKey: 'local-demo', projectId, databaseURL: databaseUrl },
      firebaseEmulators: {
        auth: `http://${servers.env.FIREBASE_AUTH_EMULATOR_HOST}`,
        database: servers.env.FIREBASE_DATABASE_EMULATOR_HOST,
      },
      signInMethods: ['password', 'google'],
    };
    const app: SpaServer = await startSpaServer({
      dir: webDir,
      host: HOST,
      port: ports.app,
      config: webConfig,
      configForm: options.configForm ?? 'window',
    });
    stops.push(app.stop);
    return {
      urls,
      projectId,
      webConfig,
      demoUsers: DEMO_USERS,
      controllerLogFile,
      recordingsDir,
      storageFaults: servers.storageFaults,
      livekitControls: servers.livekitControls,
      stop,
    };
  } catch (error) {
    await stopServers();
    throw error;
  }
}
