import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ObservedProcess, runNpm } from '../support/controller-process.js';

const NAMESPACE = 'demo-chatspheres-default-rtdb';

/** One URL the command printed, by its label. */
async function printedUrl(run: ObservedProcess, label: string): Promise<string> {
  const line = await run.waitForOutput(new RegExp(`^${label}:\\s+http`), 180_000);
  return line.replace(/^[^:]+:\s+/, '').trim();
}

async function startLocal(dataDir: string): Promise<ObservedProcess> {
  return runNpm(['run', 'local', '--', '--data-dir', dataDir, '--ports', 'random'], {
    HOME: process.env.HOME,
  });
}

async function signInDemo(authUrl: string, email: string, password: string) {
  return fetch(
    `${authUrl}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=local-demo`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    },
  );
}

async function stopWithSigterm(run: ObservedProcess) {
  run.child.kill('SIGTERM');
  return run.exited;
}

describe('npm run local', () => {
  let dataDir: string;
  let running: ObservedProcess | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-command-'));
  });

  afterEach(async () => {
    // On a failure midway: npm passes SIGTERM on to the stack, which stops its children.
    if (running !== undefined && running.child.exitCode === null) {
      running.child.kill('SIGTERM');
      const killer = setTimeout(() => running?.child.kill('SIGKILL'), 30_000);
      await running.exited;
      clearTimeout(killer);
    }
    running = undefined;
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the configured app, stops everything on SIGTERM and keeps its data for the next run', async () => {
    const first = await startLocal(dataDir);
    running = first;
    const app = await printedUrl(first, 'Open the web app');
    const controller = await printedUrl(first, 'Controller API');
    const auth = await printedUrl(first, 'Auth emulator');
    const database = await printedUrl(first, 'Realtime Database');
    expect(first.stdout).toContain('alice@example.com  password: alice-demo');

    const page = await fetch(app);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`"controlApiBaseUrl":"${controller}"`);
    expect((await fetch(`${controller}/health/live`)).status).toBe(200);
    expect((await signInDemo(auth, 'alice@example.com', 'alice-demo')).status).toBe(200);
    const written = await fetch(`${database}/kept.json?ns=${NAMESPACE}`, {
      method: 'PUT',
      headers: { authorization: 'Bearer owner' },
      body: JSON.stringify({ between: 'runs' }),
    });
    expect(written.status).toBe(200);

    const exit = await stopWithSigterm(first);
    expect(exit.code).toBe(0);
    expect(exit.stdout).toContain('Stopped.');
    await expect(fetch(app)).rejects.toThrow();
    await expect(fetch(`${controller}/health/live`)).rejects.toThrow();
    expect(
      (await stat(join(dataDir, 'emulators/auth/firebase-export-metadata.json'))).isFile(),
    ).toBe(true);

    const second = await startLocal(dataDir);
    running = second;
    const database2 = await printedUrl(second, 'Realtime Database');
    const auth2 = await printedUrl(second, 'Auth emulator');
    const kept = await fetch(`${database2}/kept.json?ns=${NAMESPACE}`, {
      headers: { authorization: 'Bearer owner' },
    });
    expect(await kept.json()).toEqual({ between: 'runs' });
    expect((await signInDemo(auth2, 'bob@example.com', 'bob-demo')).status).toBe(200);
    expect((await stopWithSigterm(second)).code).toBe(0);
  }, 400_000);
});
