import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../emulators/harness/free-port.js';
import { type LivekitEmulator, startLivekitEmulator } from '../../emulators/livekit/index.js';
import { runNpm, spawnController } from '../support/controller-process.js';
import { randomSecret, validEnv } from '../support/test-env.js';

const REQUIRED = [
  'LIVEKIT_API_KEY',
  'LIVEKIT_API_SECRET',
  'LIVEKIT_HOST',
  'LIVEKIT_CONTROL_API_KEY',
  'FIREBASE_PROJECT_ID',
  // FIREBASE_CLIENT_EMAIL and FIREBASE_PRIVATE_KEY are not: without them the controller uses
  // application default credentials (test/controller/config.test.ts).
  'FIREBASE_DATABASE_URL',
  'FIREBASE_STORAGE_BUCKET',
];

const livekitKey = randomSecret('APIkey');
const livekitSecret = randomSecret('secret');
let livekit: LivekitEmulator;
let outputDir: string;

beforeAll(async () => {
  // The tests below run the built JavaScript, exactly as `npm start` and the image do.
  const build = await runNpm(['run', 'build'], {}).exited;
  expect(build.code, build.stdout + build.stderr).toBe(0);
  outputDir = await mkdtemp(join(tmpdir(), 'recordings-'));
  livekit = await startLivekitEmulator({ keys: { [livekitKey]: livekitSecret }, outputDir });
}, 120_000);

afterAll(async () => {
  await livekit?.stop();
  if (outputDir !== undefined) await rm(outputDir, { recursive: true, force: true });
});

async function startController(env: Record<string, string | undefined> = {}) {
  const port = await freePort();
  const fullEnv = validEnv({
    CONTROL_HOST: '127.0.0.1',
    CONTROL_PORT: String(port),
    LOG_LEVEL: 'info',
    LIVEKIT_API_KEY: livekitKey,
    LIVEKIT_API_SECRET: livekitSecret,
    LIVEKIT_URL: livekit.url,
    RECORDING_OUTPUT_DIR: outputDir,
    FIREBASE_DATABASE_EMULATOR_HOST: process.env.FIREBASE_DATABASE_EMULATOR_HOST,
    FIREBASE_STORAGE_EMULATOR_HOST: process.env.FIREBASE_STORAGE_EMULATOR_HOST,
    FIREBASE_AUTH_EMULATOR_HOST: inject('authEmulatorHost'),
    ...env,
  });
  const controller = spawnController(fullEnv);
  await controller.waitForOutput(/Server listening/);
  return { controller, env: fullEnv, base: `http://127.0.0.1:${port}` };
}

/** Polls GET /health until `accept` holds (the database connects after listen); 4 a second stays under its per-address limit. */
async function healthWhen(
  base: string,
  accept: (status: number, body: Record<string, unknown>) => boolean,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const deadline = Date.now() + 15_000;
  let last: { status: number; body: Record<string, unknown> } | undefined;
  while (Date.now() < deadline) {
    const response = await fetch(`${base}/health`, { headers });
    last = { status: response.status, body: (await response.json()) as Record<string, unknown> };
    if (accept(last.status, last.body)) return last;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`/health never reached the expected state: ${JSON.stringify(last)}`);
}

describe('npm start', () => {
  it('exits non-zero with no configuration and names every required variable', async () => {
    const result = await runNpm(['start'], {}).exited;
    expect(result.code).not.toBe(0);
    for (const variable of REQUIRED) expect(result.stderr).toContain(variable);
  }, 60_000);
});

describe('the controller process', () => {
  it('serves /health, keeps secrets out of its logs, and exits 0 on SIGTERM', async () => {
    const { controller, env, base } = await startController();
    const health = await healthWhen(base, (status) => status === 200, {
      'x-api-key': env.LIVEKIT_CONTROL_API_KEY ?? '',
    });
    expect(health.body).toEqual({
      status: 'ok',
      checks: ['database', 'livekit', 'recordings_dir', 'storage'].map((name) => ({
        name,
        ok: true,
        ms: expect.any(Number),
      })),
      facts: { unmatched_files: [] },
    });
    controller.child.kill('SIGTERM');
    const result = await controller.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/"msg":"shutdown complete"/);
    const logs = result.stdout + result.stderr;
    expect(logs).toContain('"apiSecret":"[redacted]"');
    for (const secret of [
      livekitSecret,
      env.LIVEKIT_CONTROL_API_KEY,
      'BEGIN PRIVATE KEY',
      (env.FIREBASE_PRIVATE_KEY ?? '').split('\\n')[1],
    ]) {
      expect(secret).toBeTruthy();
      expect(logs).not.toContain(secret);
    }
  });

  it('exits 0 on SIGINT', async () => {
    const { controller } = await startController();
    controller.child.kill('SIGINT');
    expect((await controller.exited).code).toBe(0);
  });

  it('answers 503 on /health while the recordings directory is missing', async () => {
    const { controller, base } = await startController({
      RECORDING_OUTPUT_DIR: '/nonexistent/recordings',
    });
    const health = await healthWhen(
      base,
      (_status, body) => JSON.stringify(body.failing) === JSON.stringify(['recordings_dir']),
    );
    expect(health.status).toBe(503);
    controller.child.kill('SIGTERM');
    expect((await controller.exited).code).toBe(0);
  });
});
