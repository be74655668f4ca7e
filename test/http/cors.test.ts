import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tokenRoutes } from '../../controller/http/token-routes.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ CORS_ORIGINS: 'https://app.example.com' });
  await server.app.register(tokenRoutes, {
    livekit: server.config.livekit,
    tokens: server.config.tokens,
    membership: server.membership,
  });
});

afterEach(async () => {
  await server.close();
});

const preflight = (origin: string) =>
  server.app.inject({
    method: 'OPTIONS',
    url: '/token',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS', () => {
  it('answers the preflight of a configured origin with what the browser needs', async () => {
    const response = await preflight('https://app.example.com');
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(response.headers['access-control-allow-methods'])).toContain('POST');
    expect(String(response.headers['access-control-allow-headers'])).toMatch(/authorization/);
  });

  it('gives any other origin no permission to read the answer', async () => {
    const response = await preflight('https://evil.example.com');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const answer = await server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { origin: 'https://evil.example.com', 'content-type': 'application/json' },
      payload: { roomUrl: 'https://app.example.com/r' },
    });
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
  });
});
