import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { stopWithParent } from '../harness/stop-with-parent.js';

const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const OUTPUT_KEPT_CHARS = 8_000;

export interface ControllerChild {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * Runs the controller through its real entry point (`controller/main.ts`, by tsx, so no build
 * step), configured by `env` only: nothing of this process's environment is inherited.
 * Its JSON log lines go to `logFile`. Resolves once `GET /health/live` answers.
 */
export async function startControllerChild(
  env: Readonly<Record<string, string>>,
  logFile: string,
): Promise<ControllerChild> {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', 'controller/main.ts'], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a terminal's Ctrl-C reaches only the stack, which stops the
    // controller once, in order, before the servers it writes to.
    detached: true,
  });
  stopWithParent(child);
  // The last of its output, for the error when it stops before it answers: a port it cannot
  // bind shows only in its JSON log on stdout (`EADDRINUSE`).
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-OUTPUT_KEPT_CHARS);
    log.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://${env.CONTROL_HOST}:${env.CONTROL_PORT}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => log.end(() => resolve()));
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`the controller exited with ${child.exitCode}:\n${output}`);
    }
    // Bounded: another program holding the port may accept and never answer.
    const live = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1_000) }).then(
      (response) => response.ok,
      () => false,
    );
    if (live) return { url, child, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the controller did not answer within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
