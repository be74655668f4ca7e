import { beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../emulators/harness/free-port.js';
import { runNpm, spawnController } from '../support/controller-process.js';
import { validEnv } from '../support/test-env.js';

const REQUIRED = [
  'LIVEKIT_API_KEY',
  'LIVEKIT_API_SECRET',
  'LIVEKIT_HOST',
  'LIVEKIT_CONTROL_API_KEY',
  'FIREBASE_PROJECT_ID',
  'FIREBASE_CLIENT_EMAIL',
  'FIREBASE_PRIVATE_KEY',
  'FIREBASE_DATABASE_URL',
  'FIREBASE_STORAGE_BUCKET',
];

beforeAll(async () => {
  // The tests below run the built JavaScript, exactly as `npm start` and the image do.
  const build = await runNpm(['run', 'build'], {}).exited;
  expect(build.code, build.stdout + build.stderr).toBe(0);
}, 120_000);

async function startController(env: Record<string, string | undefined> = {}) {
  const port = await freePort();
  const fullEnv = validEnv({
    CONTROL_HOST: '127.0.0.1',
    CONTROL_PORT: String(port),
    LOG_LEVEL: 'info',
    ...env,
  });
  const controller = spawnController(fullEnv);
  await controller.waitForOutput(/Server listening/);
  return { controller, env: fullEnv, base: `http://127.0.0.1:${port}` };
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
    const health = await fetch(`${base}/health`, {
      headers: { 'x-api-key': env.LIVEKIT_CONTROL_API_KEY ?? '' },
    });
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({
      status: 'ok',
      checks: [{ name: 'recordings_dir', ok: true, ms: expect.any(Number) }],
    });
    controller.child.kill('SIGTERM');
    const result = await controller.exited;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/"msg":"shutdown complete"/);
    const logs = result.stdout + result.stderr;
    expect(logs).toContain('"apiSecret":"[redacted]"');
    for (const secret of [
      env.LIVEKIT_API_SECRET,
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
    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    expect((await health.json()).failing).toEqual(['recordings_dir']);
    controller.child.kill('SIGTERM');
    expect((await controller.exited).code).toBe(0);
  });
});
