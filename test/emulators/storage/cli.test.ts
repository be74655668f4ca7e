import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../../emulators/harness/free-port.js';
import { ObservedProcess, PROJECT_ROOT, runNpm } from '../../support/controller-process.js';

const scratch: string[] = [];

// What `npm run emulator` runs, without npm's `sh -c` in between: dash does not pass SIGTERM on
// to its child, so a signal meant for the server has to reach tsx itself.
function spawnEmulatorCli(args: readonly string[]): ObservedProcess {
  const tsx = join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const child = spawn(process.execPath, [tsx, 'emulators/cli.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new ObservedProcess(child);
}

afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('the storage emulator CLI', () => {
  it('serves on the given port and data directory, exits cleanly on SIGTERM, and serves the same objects after a restart', async () => {
    const port = await freePort();
    const dir = await mkdtemp(join(tmpdir(), 'storage-cli-'));
    scratch.push(dir);
    const server = spawnEmulatorCli(['storage', '--port', String(port), '--dir', dir]);
    expect(await server.waitForOutput(/ready on/)).toBe(`storage ready on 127.0.0.1:${port}`);

    const upload = await fetch(
      `http://127.0.0.1:${port}/upload/storage/v1/b/cli-test/o?uploadType=media&name=hello.txt`,
      { method: 'POST', body: 'hello' },
    );
    expect(upload.status).toBe(200);
    expect((await upload.json()).size).toBe('5');
    expect(await readdir(join(dir, 'objects'))).toHaveLength(2);

    server.child.kill('SIGTERM');
    const result = await server.exited;
    expect(result.code).toBe(0);

    const restarted = spawnEmulatorCli(['storage', '--port', String(port), '--dir', dir]);
    await restarted.waitForOutput(/ready on/);
    const kept = await fetch(`http://127.0.0.1:${port}/b/cli-test/o/hello.txt?alt=media`);
    expect(await kept.text()).toBe('hello');
    restarted.child.kill('SIGTERM');
    expect((await restarted.exited).code).toBe(0);
  });

  it('refuses an invalid port with exit code 2 and the usage', async () => {
    const server = runNpm(['run', '--silent', 'emulator', '--', 'storage', '--port', 'nine'], {
      HOME: process.env.HOME,
    });
    const result = await server.exited;
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/usage: npm run emulator -- storage/);
  });
});
