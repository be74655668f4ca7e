import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { realLivekitAvailability } from '../../emulators/livekit-server/index.js';
import { type ObservedProcess, runNpm } from '../support/controller-process.js';

// The local stack needs no egress worker to start on the real server, only the server and Redis.
const real = await realLivekitAvailability({ egressWorker: false });

/** One URL the command printed, by its label. */
async function printedUrl(run: ObservedProcess, label: string): Promise<string> {
  const line = await run.waitForOutput(new RegExp(`^${label}:\\s+http`), 180_000);
  return line.replace(/^[^:]+:\s+/, '').trim();
}

/** SIGTERM to a run still going (a failure midway), SIGKILL if it outlives 30 s. */
async function stopIfRunning(run: ObservedProcess): Promise<void> {
  if (run.child.exitCode !== null) return;
  run.child.kill('SIGTERM');
  const killer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
  await run.exited;
  clearTimeout(killer);
}

describe('npm run local -- --livekit', () => {
  it('refuses a LiveKit it does not know', async () => {
    const run = runNpm(['run', 'local', '--', '--livekit', 'cloud'], { HOME: process.env.HOME });
    const exit = await run.exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('--livekit must be emulator or real');
  });

  it.skipIf(!real.available)(
    'real: runs the stack on the real livekit-server, points the web app at it, and stops on Ctrl-C',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'local-command-real-'));
      const run = runNpm(
        ['run', 'local', '--', '--livekit', 'real', '--ports', 'random', '--data-dir', dataDir],
        { HOME: process.env.HOME },
      );
      try {
        const livekit = await printedUrl(run, 'LiveKit \\(\\+ egress\\)');
        const app = await printedUrl(run, 'Open the web app');
        // livekit-server answers its root with a bare OK; the emulator wants a token there.
        const root = await fetch(livekit);
        expect([root.status, await root.text()]).toEqual([200, 'OK']);
        const page = await (await fetch(app)).text();
        expect(page).toContain(`"livekitUrl":"${livekit.replace(/^http/, 'ws')}"`);

        // Ctrl-C: npm passes SIGINT on to the stack, which stops livekit-server and Redis too.
        run.child.kill('SIGINT');
        const exit = await run.exited;
        expect(exit.code).toBe(0);
        await expect(fetch(livekit)).rejects.toThrow();
      } finally {
        await stopIfRunning(run);
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    300_000,
  );
});
