import { type ChildProcess, spawn } from 'node:child_process';
import { PROJECT_ROOT } from '../../test/support/controller-process.js';

/** An emulator run from its CLI as a process of its own, so its CPU is not the bench's. */
export interface EmulatorProcess {
  /** `127.0.0.1:<port>`, what the FIREBASE_*_EMULATOR_HOST variables take. */
  readonly host: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/** Starts `npm run emulator -- <name> --port 0 …` (without npm in between) and waits for "ready". */
export async function startEmulatorProcess(
  name: 'rtdb' | 'storage',
  args: readonly string[] = [],
): Promise<EmulatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulators/cli.ts', name, '--port', '0', ...args],
    { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const host = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${name} emulator not ready:\n${output}`)),
      READY_TIMEOUT_MS,
    );
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = new RegExp(`${name} ready on (\\S+)`).exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} emulator exited with ${code}:\n${output}`));
    });
  });
  // Keep draining both pipes: a full pipe would block the emulator.
  child.stdout?.resume();
  return {
    host,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
