import { randomUUID } from 'node:crypto';
import { deleteApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initializeFirebase } from '../../controller/firebase/firebase-app.js';
import { freePort } from '../../emulators/harness/free-port.js';
import { signUpUser, unsignedIdToken } from '../support/firebase-users.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer();
  const { app } = server;
  const whoAmI = async (request: { principal: unknown }) => ({ principal: request.principal });
  app.get('/either', { onRequest: app.requireAuth(['idToken', 'apiKey']) }, whoAmI);
  app.get('/users-only', { onRequest: app.requireAuth(['idToken']) }, whoAmI);
  app.get('/servers-only', { onRequest: app.requireAuth(['apiKey']) }, whoAmI);
});

afterEach(async () => {
  await server.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'GET', url, headers });

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('x-api-key', () => {
  it('admits the configured key as a service principal', async () => {
    const response = await get('/either', { 'x-api-key': server.config.control.apiKey });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ principal: { kind: 'service' } });
  });

  it.each([
    ['a wrong key', 'wrong-key'],
    ['a key one character short', 'SHORT'],
    ['an empty key', ''],
  ])('refuses %s with 401 invalid_api_key', async (_name, key) => {
    const presented = key === 'SHORT' ? server.config.control.apiKey.slice(0, -1) : key;
    const response = await get('/either', { 'x-api-key': presented });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('invalid_api_key');
  });

  it('is refused on a route that takes only ID tokens', async () => {
    const response = await get('/users-only', { 'x-api-key': server.config.control.apiKey });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.code).toBe('forbidden');
  });
});

describe('Firebase ID tokens (Auth emulator)', () => {
  it('admits a signed-in user with their uid', async () => {
    const user = await signUpUser();
    const response = await get('/either', bearer(user.idToken));
    expect(response.statusCode).toBe(200);
    const { principal } = response.json();
    expect(principal.kind).toBe('user');
    expect(principal.uid).toBe(user.uid);
    expect(principal.token.email).toBe(user.email);
  });

  it('refuses an expired token with 401 id_token_expired', async () => {
    const user = await signUpUser();
    const now = Math.floor(Date.now() / 1000);
    const token = unsignedIdToken({
      sub: user.uid,
      user_id: user.uid,
      iat: now - 7200,
      exp: now - 3600,
    });
    const response = await get('/either', bearer(token));
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('id_token_expired');
  });

  it.each([
    ['not a JWT at all', 'not-a-jwt'],
    ['a JWT with a garbage payload', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.'],
    ['a token for another project', unsignedIdToken({ aud: 'demo-someone-else' })],
    ['a token with no subject', unsignedIdToken({ sub: '' })],
  ])('refuses %s with 401 invalid_id_token', async (_name, token) => {
    const response = await get('/either', bearer(token));
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('invalid_id_token');
  });

  it('refuses an Authorization header that is not a Bearer token', async () => {
    const response = await get('/either', { authorization: 'Basic dXNlcjpwYXNz' });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('invalid_id_token');
  });

  it('refuses the token of a user who has since been disabled', async () => {
    const user = await signUpUser();
    const admin = initializeFirebase(server.config.firebase, `admin-${randomUUID()}`);
    try {
      await getAuth(admin).updateUser(user.uid, { disabled: true });
    } finally {
      await deleteApp(admin);
    }
    const response = await get('/either', bearer(user.idToken));
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('user_disabled');
  });

  it('answers 503 auth_unavailable while Firebase Auth cannot be reached', async () => {
    const user = await signUpUser();
    const emulatorHost = process.env.FIREBASE_AUTH_EMULATOR_HOST;
    process.env.FIREBASE_AUTH_EMULATOR_HOST = `127.0.0.1:${await freePort()}`;
    try {
      const response = await get('/either', bearer(user.idToken));
      expect(response.statusCode).toBe(503);
      expect(response.json().error.code).toBe('auth_unavailable');
    } finally {
      process.env.FIREBASE_AUTH_EMULATOR_HOST = emulatorHost;
    }
  });

  it('is refused on a route that takes only the API key', async () => {
    const user = await signUpUser();
    const response = await get('/servers-only', bearer(user.idToken));
    expect(response.statusCode).toBe(403);
  });
});

describe('no credentials', () => {
  it('answers 401 unauthenticated and says what to send', async () => {
    const response = await get('/either');
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toEqual({
      code: 'unauthenticated',
      message: expect.stringMatching(/Bearer.*x-api-key/),
    });
  });
});
