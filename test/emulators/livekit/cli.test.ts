import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../emulators/harness/free-port.js';
import { ObservedProcess, PROJECT_ROOT } from '../../support/controller-process.js';
import { WebhookInbox } from './support/webhook-inbox.js';

let running: ObservedProcess | undefined;
const cleanups: (() => Promise<void>)[] = [];

/**
 * What `npm run emulator -- livekit …` runs, as one process: npm does not pass SIGTERM on to
 * its script, so the test signals the emulator itself.
 */
function runEmulatorCli(args: readonly string[]): ObservedProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulators/cli.ts', 'livekit', ...args],
    {
      cwd: PROJECT_ROOT,
      env: { PATH: process.env.PATH },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new ObservedProcess(child);
}

afterEach(async () => {
  if (running?.child.exitCode === null) running.child.kill('SIGKILL');
  running = undefined;
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

describe('npm run emulator -- livekit', () => {
  it('prints its ready line, serves the API and sends webhooks, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const outputDir = await mkdtemp(join(tmpdir(), 'livekit-cli-'));
    const inbox = await WebhookInbox.start();
    cleanups.push(
      () => inbox.close(),
      () => rm(outputDir, { recursive: true, force: true }),
    );
    running = runEmulatorCli([
      '--port',
      String(port),
      '--keys',
      'devkey:devsecret-devsecret-devsecret-00',
      '--webhook',
      inbox.url,
      '--output-dir',
      outputDir,
    ]);
    expect(await running.waitForOutput(/ready on/)).toBe(`livekit ready on 127.0.0.1:${port}`);

    const rooms = new RoomServiceClient(
      `http://127.0.0.1:${port}`,
      'devkey',
      'devsecret-devsecret-devsecret-00',
    );
    await rooms.createRoom({ name: 'cli-room' });
    await inbox.next('room_started', 'cli-room');

    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  it('exits 2 with a usage line when a required option is missing', async () => {
    const result = await runEmulatorCli(['--port', '0']).exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run emulator -- livekit');
  });
});
