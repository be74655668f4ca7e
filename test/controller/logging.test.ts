import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signUpUser } from '../support/firebase-users.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({
    LIVEKIT_WEBHOOK_API_KEY: 'webhook-key',
    LIVEKIT_WEBHOOK_API_SECRET: 'webhook-secret-5d1e0b7c',
  });
  server.app.get(
    '/guarded',
    { onRequest: server.app.requireAuth(['idToken', 'apiKey']) },
    async () => ({
      ok: true,
    }),
  );
});

afterEach(async () => {
  await server.close();
});

describe('logs', () => {
  it('never contain a secret from the configuration or from a request', async () => {
    const { app, config, log } = server;
    const user = await signUpUser();
    // What main does at start-up: the whole configuration, redacted by the logger's config.
    app.log.info({ config }, 'controller starting');
    await app.inject({
      method: 'GET',
      url: '/guarded',
      headers: { 'x-api-key': config.control.apiKey },
    });
    await app.inject({ method: 'GET', url: '/guarded', headers: { 'x-api-key': 'guess-4b6f02' } });
    await app.inject({
      method: 'GET',
      url: '/guarded',
      headers: { authorization: `Bearer ${user.idToken}`, cookie: 'session=cookie-9a8b7c' },
    });
    await app.inject({
      method: 'GET',
      url: '/guarded',
      headers: { authorization: 'Bearer not-a-jwt-3e1f' },
    });
    app.log.info({ token: user.idToken, result: { idToken: user.idToken } }, 'token minted');

    const secrets = [
      config.livekit.apiSecret,
      config.livekit.webhookApiSecret,
      config.control.apiKey,
      'guess-4b6f02',
      user.idToken,
      'not-a-jwt-3e1f',
      'cookie-9a8b7c',
      ...(config.firebase.privateKey ?? '').split('\n').filter((line) => line.length > 20),
    ];
    // The requests and the configuration were logged: only their secrets are missing.
    expect(log.lines.length).toBeGreaterThan(8);
    expect(log.text).toContain('"x-api-key":"[redacted]"');
    expect(log.text).toContain('"authorization":"[redacted]"');
    expect(log.text).toContain(config.livekit.apiKey);
    for (const secret of secrets) expect(log.text).not.toContain(secret);
  });

  it('are JSON lines that carry level, time and message', async () => {
    await server.app.inject({ method: 'GET', url: '/health' });
    for (const entry of server.log.entries()) {
      expect(entry).toMatchObject({
        level: expect.any(String),
        time: expect.any(String),
        msg: expect.any(String),
      });
    }
  });
});
