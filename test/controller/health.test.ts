import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputDirWritable } from '../../controller/files/output-dir-readiness.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  await server.close();
});

const health = (headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'GET', url: '/health', headers });

describe('GET /health', () => {
  it('answers 200 {status:"ok"} when no check fails', async () => {
    server.app.readiness.register('database', async () => {});
    const response = await health();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers 503 naming the failing check, and only that one', async () => {
    server.app.readiness.register('database', async () => {});
    server.app.readiness.register('livekit', async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.1:7880');
    });
    const response = await health();
    expect(response.statusCode).toBe(503);
    const body = response.json();
    expect(body.failing).toEqual(['livekit']);
    expect(body.error.code).toBe('not_ready');
    expect(body.error.message).toContain('livekit');
    expect(response.body).not.toContain('ECONNREFUSED');
  });

  it("gives each check's details only to holders of the API key", async () => {
    server.app.readiness.register('livekit', async () => {
      throw new Error('connect ECONNREFUSED');
    });
    const response = await health({ 'x-api-key': server.config.control.apiKey });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks).toEqual([
      { name: 'livekit', ok: false, ms: expect.any(Number), message: 'connect ECONNREFUSED' },
    ]);
    const wrongKey = await health({ 'x-api-key': 'wrong' });
    expect(wrongKey.json().checks).toBeUndefined();
  });

  it('fails a check that does not answer in time', async () => {
    server.app.readiness.register('stuck', () => new Promise(() => {}));
    const response = await health({ 'x-api-key': server.config.control.apiKey });
    expect(response.statusCode).toBe(503);
    expect(response.json().checks[0].message).toMatch(/timed out/);
  });

  it('refuses two checks with the same name', () => {
    server.app.readiness.register('database', async () => {});
    expect(() => server.app.readiness.register('database', async () => {})).toThrow(/already/);
  });
});

describe('facts in GET /health', () => {
  it('shows registered facts to holders of the API key only, and never fails on them', async () => {
    server.app.readiness.describe('unmatched_files', () => [
      { path: '/recordings/x/y.mp4', reason: 'no record' },
    ]);
    const withKey = await health({ 'x-api-key': server.config.control.apiKey });
    expect(withKey.statusCode).toBe(200);
    expect(withKey.json().facts).toEqual({
      unmatched_files: [{ path: '/recordings/x/y.mp4', reason: 'no record' }],
    });
    const withoutKey = await health();
    expect(withoutKey.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /health/live', () => {
  it('answers 200 even while a dependency is down', async () => {
    server.app.readiness.register('livekit', async () => {
      throw new Error('down');
    });
    const response = await server.app.inject({ method: 'GET', url: '/health/live' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('the recordings directory check', () => {
  it('passes for a writable directory and fails, naming it, for a missing one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recordings-check-'));
    await expect(outputDirWritable(dir)(AbortSignal.timeout(1000))).resolves.toBeUndefined();
    const missing = join(dir, 'missing');
    await expect(outputDirWritable(missing)(AbortSignal.timeout(1000))).rejects.toThrow(
      `${missing} is not a writable directory (ENOENT)`,
    );
    await rm(dir, { recursive: true });
  });

  it('fails for a path that is a file, not a directory', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'recordings-check-'));
    const file = join(dir, 'file');
    await writeFile(file, 'x');
    await expect(outputDirWritable(file)(AbortSignal.timeout(1000))).rejects.toThrow(
      `${file} is not a writable directory (ENOTDIR)`,
    );
    await rm(dir, { recursive: true });
  });
});

describe('GET /health for callers without the API key', () => {
  it('shares one run of the checks among concurrent callers, while a key holder gets a fresh run', async () => {
    let runs = 0;
    server.app.readiness.register('livekit', async () => {
      runs += 1;
    });
    const answers = await Promise.all(Array.from({ length: 20 }, () => health()));
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(200));
    expect(runs).toBe(1);
    await health({ 'x-api-key': server.config.control.apiKey });
    expect(runs).toBe(2);
  });

  it('is rate limited per address (429 rate_limited with Retry-After)', async () => {
    const limited = await startTestServer({ RATE_LIMIT_PER_IP_PER_MINUTE: '3' });
    try {
      const statuses: number[] = [];
      for (let call = 0; call < 4; call += 1) {
        statuses.push((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      const refused = await limited.app.inject({ method: 'GET', url: '/health' });
      expect(refused.json().error.code).toBe('rate_limited');
      expect(refused.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});
