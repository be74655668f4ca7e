import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The node arguments of `npm start` (`node <V8 flags> dist/controller/main.js`), which the image's
 * CMD repeats (test/deploy/dockerfile.test.ts): tests and benchmarks run that very command.
 */
export const START_ARGS: readonly string[] = (() => {
  const { scripts } = JSON.parse(readFileSync(`${PROJECT_ROOT}package.json`, 'utf8')) as {
    scripts: { start: string };
  };
  const [command, ...args] = scripts.start.split(' ');
  if (command !== 'node') throw new Error(`npm start runs ${command}, not node`);
  return args;
})();

export interface ProcessResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Output kept per stream. A benchmark's controller logs a line per request, and a quiet machine
 * handles enough webhooks to pass V8's longest string; tests write far less than this.
 */
const KEPT_OUTPUT_CHARS = 64 * 1024 * 1024;

const keepTail = (text: string) =>
  text.length > KEPT_OUTPUT_CHARS ? text.slice(text.length - KEPT_OUTPUT_CHARS / 2) : text;

/** A child process with its output collected, and a way to wait for a line or for its exit. */
export class ObservedProcess {
  stdout = '';
  stderr = '';
  readonly exited: Promise<ProcessResult>;

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout = keepTail(this.stdout + chunk.toString());
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = keepTail(this.stderr + chunk.toString());
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) =>
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr }),
      );
    });
  }

  /** Resolves once stdout holds a line matching `pattern`; rejects if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => {
      exited = true;
    });
    while (Date.now() < deadline) {
      const line = this.stdout.split('\n').find((candidate) => pattern.test(candidate));
      if (line !== undefined) return line;
      if (exited) break;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no output matching ${pattern}:\n${this.stdout}\n${this.stderr}`);
  }
}

/** Runs the built controller as `npm start` does (START_ARGS) with exactly `env`, nothing inherited. */
export function spawnController(env: Record<string, string | undefined>): ObservedProcess {
  const child = spawn(process.execPath, [...START_ARGS], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ObservedProcess(child);
}

export function runNpm(
  args: readonly string[],
  env: Record<string, string | undefined>,
): ObservedProcess {
  const child = spawn('npm', [...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ObservedProcess(child);
}

/** Runs the controller from source (through tsx), so a test can SIGKILL it at any point. */
export function spawnControllerFromSource(
  env: Record<string, string | undefined>,
): ObservedProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ObservedProcess(child);
}

/**
 * The child processes a test file started. `killAll` (in afterEach/afterAll) SIGKILLs those
 * still running, also after a failed test; the worker's own exit kills any left, so no
 * controller outlives its suite.
 */
export class ChildProcesses {
  private readonly running = new Set<ObservedProcess>();
  private readonly killOnExit = () => {
    for (const observed of this.running) observed.child.kill('SIGKILL');
  };

  constructor() {
    process.once('exit', this.killOnExit);
  }

  track(observed: ObservedProcess): ObservedProcess {
    this.running.add(observed);
    void observed.exited.then(() => this.running.delete(observed));
    return observed;
  }

  async killAll(): Promise<void> {
    const left = [...this.running];
    for (const observed of left) observed.child.kill('SIGKILL');
    await Promise.all(left.map((observed) => observed.exited));
  }

  get count(): number {
    return this.running.size;
  }
}
