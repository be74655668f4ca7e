import { type ChildProcess, spawn } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './free-port.js';
import { stopWithParent } from './stop-with-parent.js';

/** A running Firebase Auth emulator (from firebase-tools): `host` is what FIREBASE_AUTH_EMULATOR_HOST takes. */
export interface AuthEmulator {
  readonly host: string;
  readonly projectId: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
const EXPORT_GRACE_MS = 120_000;

function firebaseCli(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('firebase-tools/package.json')), 'lib', 'bin', 'firebase.js');
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`auth emulator exited with ${child.exitCode}:\n${output()}`);
    }
    try {
      // Bounded: a port some other server holds may accept and never answer.
      const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`auth emulator did not start within ${READY_TIMEOUT_MS} ms:\n${output()}`);
}

export interface AuthEmulatorOptions {
  /** Absent: a free port. */
  readonly port?: number | undefined;
  /** Accounts are imported from here at start (when a previous run exported them) and exported on stop. */
  readonly dataDir?: string | undefined;
}

async function hasExport(dir: string): Promise<boolean> {
  try {
    await access(join(dir, 'firebase-export-metadata.json'));
    return true;
  } catch {
    return false;
  }
}

/**
 * firebase-tools' words when a port it was given is in use. A port `freePort` found free is
 * closed again before the emulator binds it, and in that moment another socket (any outgoing
 * connection takes its local port from the same range) may take it.
 */
const PORT_TAKEN = /port taken|is not open/i;

/**
 * Tries with freshly picked ports again when a picked one was taken in between. Not with a data
 * directory: a failed start may still export on exit, and the next attempt would import that.
 */
const ATTEMPTS = 3;

/** Starts the Auth emulator on loopback (free ports by default), in a scratch directory of its own. */
export async function startAuthEmulator(
  projectId: string,
  options: AuthEmulatorOptions = {},
): Promise<AuthEmulator> {
  const attempts = options.dataDir === undefined ? ATTEMPTS : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await launchAuthEmulator(projectId, options);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt === attempts) throw error;
    }
  }
}

class PortTakenError extends Error {}

async function launchAuthEmulator(
  projectId: string,
  options: AuthEmulatorOptions,
): Promise<AuthEmulator> {
  const authPort = options.port ?? (await freePort());
  const [hubPort, loggingPort] = [await freePort(), await freePort()];
  const workDir = await mkdtemp(join(tmpdir(), 'auth-emulator-'));
  await writeFile(
    join(workDir, 'firebase.json'),
    JSON.stringify({
      emulators: {
        auth: { host: '127.0.0.1', port: authPort },
        hub: { host: '127.0.0.1', port: hubPort },
        logging: { host: '127.0.0.1', port: loggingPort },
        ui: { enabled: false },
      },
    }),
  );
  const persistence =
    options.dataDir === undefined
      ? []
      : [
          ...((await hasExport(options.dataDir)) ? ['--import', options.dataDir] : []),
          '--export-on-exit',
          options.dataDir,
        ];
  const child = spawn(
    process.execPath,
    [firebaseCli(), 'emulators:start', '--only', 'auth', '--project', projectId, ...persistence],
    {
      cwd: workDir,
      env: { ...process.env, NO_UPDATE_NOTIFIER: '1', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a terminal's Ctrl-C reaches the whole foreground group, and
      // firebase-tools takes a second SIGINT (ours, from stop()) as "quit now, skip the export".
      detached: true,
    },
  );
  stopWithParent(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const host = `127.0.0.1:${authPort}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      // With a data directory it exports on SIGINT first: a busy machine can take well over
      // 10 s for that, and SIGKILL then would lose every account made since the last run.
      const grace = options.dataDir === undefined ? 10_000 : EXPORT_GRACE_MS;
      const timer = setTimeout(() => child.kill('SIGKILL'), grace);
      await exited;
      clearTimeout(timer);
    }
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    await waitUntilServing(
      `http://${host}/emulator/v1/projects/${projectId}/config`,
      child,
      () => output,
    );
  } catch (error) {
    await stop();
    throw PORT_TAKEN.test(output) ? new PortTakenError((error as Error).message) : error;
  }
  return { host, projectId, stop };
}
