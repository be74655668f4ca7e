import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeTokens, signUpUser, unsignedIdToken } from '../support/firebase-users.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';

/**
 * Every route of the controller's API against the same bad inputs: each answers the JSON
 * envelope with the status and code the README's HTTP API table gives (docs/architecture.md,
 * "HTTP API").
 */

let stack: RecordingStack;
let controller: RunningController;
let revokedToken: string;

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController();
  const revoked = await signUpUser();
  await revokeTokens(revoked.uid);
  revokedToken = revoked.idToken;
});

afterAll(async () => {
  await stack?.stop();
});

const roomUrl = 'https://app.example.com/room/bad-input';

interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** A body (or query) that would be accepted with valid credentials. */
  readonly valid: Record<string, unknown>;
}

const ROUTES: readonly Route[] = [
  { method: 'POST', path: '/token', valid: { roomUrl } },
  { method: 'POST', path: '/recordings/start', valid: { roomUrl } },
  { method: 'POST', path: '/recordings/stop', valid: { roomUrl } },
  { method: 'GET', path: '/recordings', valid: { roomUrl } },
];

async function send(
  route: Route,
  input: Record<string, unknown> | string,
  headers: Record<string, string>,
) {
  let url = `${controller.base}${route.path}`;
  let body: string | undefined;
  if (route.method === 'GET') {
    url += `?${new URLSearchParams(input as Record<string, string>)}`;
  } else {
    body = typeof input === 'string' ? input : JSON.stringify(input);
    headers = { 'content-type': 'application/json', ...headers };
  }
  const response = await fetch(url, { method: route.method, headers, body });
  const json = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, code: json.error?.code, message: json.error?.message };
}

const expiredToken = () => unsignedIdToken({ iat: 1, exp: 2, auth_time: 1 });

describe.each(ROUTES)('$method $path', (route) => {
  it.each([
    ['no credentials', () => ({}), 'unauthenticated'],
    ['a wrong API key', () => ({ 'x-api-key': 'wrong-key' }), 'invalid_api_key'],
    ['a malformed ID token', () => ({ authorization: 'Bearer not.a.jwt' }), 'invalid_id_token'],
    [
      'an expired ID token',
      () => ({ authorization: `Bearer ${expiredToken()}` }),
      'id_token_expired',
    ],
    ['a revoked ID token', () => ({ authorization: `Bearer ${revokedToken}` }), 'id_token_revoked'],
  ])('answers %s with 401 %s', async (_name, headers, code) => {
    const answer = await send(route, route.valid, headers());
    expect(answer).toMatchObject({ status: 401, code, message: expect.any(String) });
  });

  it.each([
    ['a missing roomUrl', {}],
    // A query string carries only text: there the wrong type is a limit that is not a number.
    [
      'a field of the wrong type',
      route.method === 'GET' ? { roomUrl, limit: 'many' } : { roomUrl: 42 },
    ],
    ['an over-long roomUrl', { roomUrl: `https://x.io/${'a'.repeat(300)}` }],
    ['an unknown field', { roomUrl, surprise: 'yes' }],
  ])('answers %s with 400 invalid_request', async (_name, input) => {
    const user = await signUpUser();
    const answer = await send(route, input, { authorization: `Bearer ${user.idToken}` });
    // One match on status and code, so a failure shows the code and message that came instead.
    expect(answer).toMatchObject({ status: 400, code: 'invalid_request' });
  });

  // Only a route with a body can be sent bad JSON; a GET has its query string alone.
  if (route.method !== 'GET') {
    it('answers bad JSON with 400 invalid_json', async () => {
      const user = await signUpUser();
      const answer = await send(route, '{"roomUrl": ', { authorization: `Bearer ${user.idToken}` });
      expect(answer).toMatchObject({ status: 400, code: 'invalid_json' });
    });
  }
});

describe('unknown recordings', () => {
  it('answers a stop of a recording the room does not have with 404 recording_not_found', async () => {
    const user = await signUpUser();
    // A member of the room (its token made them one), so the refusal is about the recording.
    const joined = await send(
      ROUTES[0] as Route,
      { roomUrl },
      { authorization: `Bearer ${user.idToken}` },
    );
    expect(joined.status).toBe(200);
    const answer = await send(
      ROUTES[2] as Route,
      { roomUrl, recordingId: '-OnotARealRecording0' },
      { authorization: `Bearer ${user.idToken}` },
    );
    expect(answer).toMatchObject({ status: 404, code: 'recording_not_found' });
  });

  it('answers a malformed recording id with 400', async () => {
    const user = await signUpUser();
    const answer = await send(
      ROUTES[2] as Route,
      { roomUrl, recordingId: '../x' },
      { authorization: `Bearer ${user.idToken}` },
    );
    expect(answer).toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
