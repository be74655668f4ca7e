import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A program the harness started, with the last lines it printed (for error messages). */
export interface ManagedChild {
  readonly process: ChildProcess;
  /** The last lines of stdout and stderr, oldest first. */
  output(): string;
  /** Resolves once the process has exited (at once if it has). */
  exited(): Promise<void>;
  /** Sends `signal`, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

export interface StartChildOptions<T> {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** Called with every line the child prints; a non-undefined answer means it is ready. */
  readonly readyWhen: (line: string) => T | undefined;
  readonly timeoutMs?: number;
}

const KEPT_LINES = 200;

/**
 * Starts a program and waits until one of its lines says it is ready. Rejects, with the lines it
 * printed, if it exits or stays silent past the timeout first (the child is then killed).
 */
export async function startChild<T>(
  options: StartChildOptions<T>,
): Promise<{ child: ManagedChild; ready: T }> {
  const process = spawn(options.command, [...options.args], {
    env: options.env ?? globalThis.process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exit = new Promise<void>((resolve) => {
    if (process.exitCode !== null || process.signalCode !== null) resolve();
    else process.once('exit', () => resolve());
  });
  let onLine: (line: string) => void = () => {};
  for (const stream of [process.stdout, process.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      if (lines.length > KEPT_LINES) lines.shift();
      onLine(line);
    });
  }
  const output = () => lines.join('\n');
  const child: ManagedChild = {
    process,
    output,
    exited: () => exit,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (process.exitCode !== null || process.signalCode !== null) return;
      process.kill(signal);
      const timer = setTimeout(() => process.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
  };
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    const ready = await new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${options.name} not ready within ${timeoutMs} ms:\n${output()}`)),
        timeoutMs,
      );
      process.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${options.name} could not start: ${error.message}`));
      });
      void exit.then(() => {
        clearTimeout(timer);
        reject(
          new Error(
            `${options.name} exited (${process.exitCode ?? process.signalCode}):\n${output()}`,
          ),
        );
      });
      onLine = (line) => {
        const answer = options.readyWhen(line);
        if (answer === undefined) return;
        clearTimeout(timer);
        onLine = () => {};
        resolve(answer);
      };
    });
    return { child, ready };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}
