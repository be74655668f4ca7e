import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BODY_LIMIT_BYTES } from '../../controller/http/server.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
  // A schema-first route standing in for the feature routes later issues add.
  server.app.post(
    '/echo',
    { schema: { body: z.object({ roomUrl: z.string().min(1) }).strict() } },
    async (request) => ({ received: request.body.roomUrl, raw: request.rawBody }),
  );
  server.app.get('/boom', async () => {
    throw new Error('database password is hunter2');
  });
});

afterEach(async () => {
  await server.close();
});

const post = (payload: string, contentType = 'application/json') =>
  server.app.inject({
    method: 'POST',
    url: '/echo',
    headers: { 'content-type': contentType },
    payload,
  });

describe('the JSON error envelope', () => {
  it('answers an unknown route with 404 not_found', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/nowhere?x=1' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.json()).toEqual({
      error: { code: 'not_found', message: 'No route for GET /nowhere' },
    });
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const response = await post('{"roomUrl": ');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('answers an empty JSON body with 400 invalid_json', async () => {
    const response = await post('');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it('refuses prototype poisoning as invalid JSON', async () => {
    const response = await post('{"roomUrl":"x","__proto__":{"admin":true}}');
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('invalid_json');
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'answers a %s body with 415 unsupported_media_type',
    async (contentType) => {
      const response = await post('roomUrl=x', contentType);
      expect(response.statusCode).toBe(415);
      expect(response.json().error.code).toBe('unsupported_media_type');
    },
  );

  it('answers a body over the limit with 413 payload_too_large', async () => {
    const response = await post(JSON.stringify({ roomUrl: 'x'.repeat(BODY_LIMIT_BYTES) }));
    expect(response.statusCode).toBe(413);
    expect(response.json().error.code).toBe('payload_too_large');
  });

  it('answers a body that fails its schema with 400 invalid_request naming the field', async () => {
    const response = await post(JSON.stringify({ roomUrl: '', extra: 1 }));
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.error.code).toBe('invalid_request');
    expect(body.error.message).toMatch(/roomUrl/);
    expect(body.error.details.length).toBeGreaterThanOrEqual(1);
  });

  it('keeps the raw body beside the parsed one', async () => {
    const payload = '{ "roomUrl" : "https://x.io/r" }';
    const response = await post(payload);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ received: 'https://x.io/r', raw: payload });
  });

  it('accepts LiveKit webhook bodies (application/webhook+json) as JSON', async () => {
    const response = await post('{"roomUrl":"a"}', 'application/webhook+json');
    expect(response.statusCode).toBe(200);
  });

  it('answers an unexpected failure with 500 internal_error and does not leak its message', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/boom' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({
      error: { code: 'internal_error', message: 'Something went wrong on our side' },
    });
    expect(response.body).not.toContain('hunter2');
  });
});
