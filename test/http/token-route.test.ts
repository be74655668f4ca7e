import { TokenVerifier } from 'livekit-server-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { tokenRoutes } from '../../controller/http/token-routes.js';
import { signInAnonymousUser, signUpUser, unsignedIdToken } from '../support/firebase-users.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ TOKEN_TTL_S: '600', TOKEN_CAN_PUBLISH: 'false' });
  await server.app.register(tokenRoutes, {
    livekit: server.config.livekit,
    tokens: server.config.tokens,
    membership: server.membership,
  });
});

afterEach(async () => {
  await server.close();
});

const roomUrl = 'https://app.example.com/room/standup';

const postToken = (payload: unknown, headers: Record<string, string>) =>
  server.app.inject({
    method: 'POST',
    url: '/token',
    headers: { 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

const verify = (token: string) =>
  new TokenVerifier(server.config.livekit.apiKey, server.config.livekit.apiSecret).verify(token);

describe('POST /token', () => {
  it('gives a signed-in user a token for exactly that room, as their uid', async () => {
    const user = await signUpUser();
    const before = Date.now();
    const response = await postToken(
      { roomUrl, name: 'Alice' },
      { authorization: `Bearer ${user.idToken}` },
    );
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      url: server.config.livekit.publicUrl,
      room: roomKeyFromUrl(roomUrl),
      identity: user.uid,
    });
    expect(body.expiresAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(body.expiresAt).toBeLessThanOrEqual(Date.now() + 600_000);
    const claims = await verify(body.token);
    expect(claims.sub).toBe(user.uid);
    expect(claims.name).toBe('Alice');
    expect(claims.video).toEqual({
      roomJoin: true,
      room: roomKeyFromUrl(roomUrl),
      canPublish: false,
      canSubscribe: true,
      canPublishData: true,
    });
    expect(claims.exp).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600);
  });

  it("names a user by their profile's name, whatever name the body claims (issue 22, hole 8)", async () => {
    const user = await signUpUser({ displayName: 'Mallory' });
    const response = await postToken(
      { roomUrl, name: 'Alice (host)' },
      { authorization: `Bearer ${user.idToken}` },
    );
    expect(response.statusCode).toBe(200);
    expect((await verify(response.json().token)).name).toBe('Mallory');
  });

  it('removes control and format characters from a chosen name, and bounds its length', async () => {
    const user = await signUpUser();
    const headers = { authorization: `Bearer ${user.idToken}` };
    const cleaned = await postToken(
      { roomUrl, name: 'Bob\u202e\u200b\n\t  (guest)\u0007' },
      headers,
    );
    expect(cleaned.statusCode).toBe(200);
    expect((await verify(cleaned.json().token)).name).toBe('Bob (guest)');
    for (const name of ['x'.repeat(65), '\u202e\u200b\n', 'y'.repeat(257)]) {
      const refused = await postToken({ roomUrl, name }, headers);
      expect(refused.statusCode, name).toBe(400);
      expect(refused.json().error.code).toBe('invalid_request');
    }
  });

  it('makes the user a member of exactly that room, under the name the token carries', async () => {
    const user = await signUpUser({ displayName: 'Mallory' });
    const other = 'https://app.example.com/room/other';
    expect(
      (await postToken({ roomUrl }, { authorization: `Bearer ${user.idToken}` })).statusCode,
    ).toBe(200);
    const member = await server.db
      .ref(`rooms/${roomKeyFromUrl(roomUrl)}/members/${user.uid}`)
      .once('value');
    expect(member.val()).toEqual({ joinedAt: expect.any(Number), name: 'Mallory' });
    expect(await server.membership.isMember(roomKeyFromUrl(other), user.uid)).toBe(false);
  });

  it('gives a closed room only to the users it lists (403 not_allowed), and makes no member', async () => {
    const closedUrl = `https://app.example.com/room/closed-${Date.now().toString(36)}`;
    const closed = roomKeyFromUrl(closedUrl);
    const listed = await signUpUser();
    const stranger = await signUpUser();
    await server.db.ref(`rooms/${closed}/allowed/${listed.uid}`).set(true);
    const refused = await postToken(
      { roomUrl: closedUrl },
      { authorization: `Bearer ${stranger.idToken}` },
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('not_allowed');
    expect(await server.membership.isMember(closed, stranger.uid)).toBe(false);
    const admitted = await postToken(
      { roomUrl: closedUrl },
      { authorization: `Bearer ${listed.idToken}` },
    );
    expect(admitted.statusCode).toBe(200);
    expect(await server.membership.isMember(closed, listed.uid)).toBe(true);
  });

  it('refuses an anonymous user (403 anonymous_not_allowed) unless ALLOW_ANONYMOUS is on', async () => {
    const guest = await signInAnonymousUser();
    const refused = await postToken(
      { roomUrl, name: 'Guest' },
      { authorization: `Bearer ${guest.idToken}` },
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('anonymous_not_allowed');
    expect(await server.membership.isMember(roomKeyFromUrl(roomUrl), guest.uid)).toBe(false);
    const open = await startTestServer({ ALLOW_ANONYMOUS: 'true' });
    try {
      await open.app.register(tokenRoutes, {
        livekit: open.config.livekit,
        tokens: open.config.tokens,
        membership: open.membership,
      });
      const answer = await open.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${guest.idToken}` },
        payload: { roomUrl, name: 'Guest' },
      });
      expect(answer.statusCode).toBe(200);
    } finally {
      await open.close();
    }
  });

  it('never grants room admin, recording or room creation', async () => {
    const response = await postToken(
      { roomUrl, identity: 'bot-1' },
      { 'x-api-key': server.config.control.apiKey },
    );
    const claims = await verify(response.json().token);
    expect(claims.video?.roomAdmin).toBeUndefined();
    expect(claims.video?.roomRecord).toBeUndefined();
    expect(claims.video?.roomCreate).toBeUndefined();
    expect(claims.video?.roomList).toBeUndefined();
  });

  it('lets a trusted server name the identity, and requires it', async () => {
    const named = await postToken(
      { roomUrl, identity: 'bot-1' },
      { 'x-api-key': server.config.control.apiKey },
    );
    expect(named.statusCode).toBe(200);
    expect(named.json().identity).toBe('bot-1');
    const unnamed = await postToken({ roomUrl }, { 'x-api-key': server.config.control.apiKey });
    expect(unnamed.statusCode).toBe(400);
    expect(unnamed.json().error.code).toBe('identity_required');
  });

  it('refuses an identity from a signed-in user', async () => {
    const user = await signUpUser();
    const response = await postToken(
      { roomUrl, identity: 'someone-else' },
      { authorization: `Bearer ${user.idToken}` },
    );
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('identity_not_allowed');
  });

  it.each([
    ['no credentials', {}, 401, 'unauthenticated'],
    ['a wrong API key', { 'x-api-key': 'wrong' }, 401, 'invalid_api_key'],
    ['a malformed ID token', { authorization: 'Bearer not-a-jwt' }, 401, 'invalid_id_token'],
    [
      'an expired ID token',
      { authorization: `Bearer ${unsignedIdToken({ iat: 1, exp: 2, auth_time: 1 })}` },
      401,
      'id_token_expired',
    ],
  ])('answers %s with %i %s', async (_name, headers, status, code) => {
    const response = await postToken({ roomUrl, identity: 'x' }, headers as Record<string, string>);
    expect(response.statusCode).toBe(status);
    expect(response.json().error.code).toBe(code);
  });

  it.each([
    ['bad JSON', '{"roomUrl":'],
    ['a missing roomUrl', {}],
    ['a roomUrl of the wrong type', { roomUrl: 42 }],
    ['an empty roomUrl', { roomUrl: '' }],
    ['an over-long roomUrl', { roomUrl: `https://x.io/${'a'.repeat(300)}` }],
    ['an unknown field', { roomUrl, admin: true }],
    ['an identity with spaces', { roomUrl, identity: 'two words' }],
  ])('answers %s with 400', async (_name, payload) => {
    const response = await postToken(payload, { 'x-api-key': server.config.control.apiKey });
    expect(response.statusCode).toBe(400);
    expect(['invalid_json', 'invalid_request']).toContain(response.json().error.code);
  });
});

describe('rate limits on POST /token', () => {
  it('answers 429 rate_limited with Retry-After once one identity exceeds its limit', async () => {
    const limited = await startTestServer({ RATE_LIMIT_PER_IDENTITY_PER_MINUTE: '2' });
    await limited.app.register(tokenRoutes, {
      livekit: limited.config.livekit,
      tokens: limited.config.tokens,
      membership: limited.membership,
    });
    try {
      const user = await signUpUser();
      const other = await signUpUser();
      const ask = (idToken: string) =>
        limited.app.inject({
          method: 'POST',
          url: '/token',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
          payload: { roomUrl },
        });
      expect((await ask(user.idToken)).statusCode).toBe(200);
      expect((await ask(user.idToken)).statusCode).toBe(200);
      const third = await ask(user.idToken);
      expect(third.statusCode).toBe(429);
      expect(third.json().error.code).toBe('rate_limited');
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      // Another user is not held back by the first one's limit.
      expect((await ask(other.idToken)).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('limits one address before authentication, so guessing keys is slowed too', async () => {
    const limited = await startTestServer({ RATE_LIMIT_PER_IP_PER_MINUTE: '3' });
    await limited.app.register(tokenRoutes, {
      livekit: limited.config.livekit,
      tokens: limited.config.tokens,
      membership: limited.membership,
    });
    try {
      const guess = () =>
        limited.app.inject({
          method: 'POST',
          url: '/token',
          headers: { 'content-type': 'application/json', 'x-api-key': 'guess' },
          payload: { roomUrl, identity: 'x' },
        });
      for (let attempt = 0; attempt < 3; attempt++) expect((await guess()).statusCode).toBe(401);
      const blocked = await guess();
      expect(blocked.statusCode).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    } finally {
      await limited.close();
    }
  });
});
