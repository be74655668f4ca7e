import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../emulators/harness/free-port.js';
import { ObservedProcess, PROJECT_ROOT } from '../../support/controller-process.js';
import { WebhookInbox } from './support/webhook-inbox.js';

let running: ObservedProcess | undefined;
const cleanups: (() => Promise<void>)[] = [];

/** What `npm run emulator -- livekit …` runs (the script `exec`s it), without npm around it. */
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
  it('prints its ready line, serves the API and the signal route, sends webhooks, and exits 0 on SIGTERM', async () => {
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
    // The signal route livekit-client joins through (its validate twin answers plain HTTP).
    const token = new AccessToken('devkey', 'devsecret-devsecret-devsecret-00', { identity: 'a' });
    token.addGrant({ roomJoin: true, room: 'cli-room' });
    const validate = await fetch(
      `http://127.0.0.1:${port}/rtc/v1/validate?access_token=${await token.toJwt()}`,
    );
    expect(await validate.text()).toBe('success');

    running.child.kill('SIGTERM');
    expect((await running.exited).code).toBe(0);
  });

  it('stops the server when npm itself gets SIGTERM, as a supervisor of `npm run` sends it', async () => {
    const port = await freePort();
    const outputDir = await mkdtemp(join(tmpdir(), 'livekit-cli-'));
    cleanups.push(() => rm(outputDir, { recursive: true, force: true }));
    running = new ObservedProcess(
      spawn(
        'npm',
        [
          'run',
          '--silent',
          'emulator',
          '--',
          'livekit',
          '--port',
          String(port),
          '--keys',
          'devkey:devsecret-devsecret-devsecret-00',
          '--output-dir',
          outputDir,
        ],
        { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      ),
    );
    await running.waitForOutput(/ready on/);
    running.child.kill('SIGTERM');
    await running.exited;
    // npm waits for its script to exit, so the port is already closed.
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });

  it('exits 2 with a usage line when a required option is missing', async () => {
    const result = await runEmulatorCli(['--port', '0']).exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: npm run emulator -- livekit');
  });
});
