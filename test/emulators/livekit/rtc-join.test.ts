import { createHmac } from 'node:crypto';
import {
  AddTrackRequest,
  ClientInfo,
  ClientInfo_SDK,
  DisconnectReason,
  JoinRequest,
  LeaveRequest,
  LeaveRequest_Action,
  Ping,
  SignalRequest,
  SignalResponse,
  TrackType,
  TrickleRequest,
  WrappedJoinRequest,
  WrappedJoinRequest_Compression,
} from '@livekit/protocol';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture;

beforeAll(async () => {
  lk = await startLivekitFixture({ autoCreateRooms: false });
});
afterAll(async () => {
  await lk.close();
});

async function joinToken(
  room: string,
  identity: string,
  options: { secret?: string; ttl?: string } = {},
) {
  const token = new AccessToken(lk.apiKey, options.secret ?? lk.apiSecret, {
    identity,
    name: identity.toUpperCase(),
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  });
  token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
  return token.toJwt();
}

/** `/rtc/v1`'s `join_request` as livekit-client encodes it (here uncompressed, without an offer). */
const JOIN_REQUEST = Buffer.from(
  new WrappedJoinRequest({
    compression: WrappedJoinRequest_Compression.NONE,
    joinRequest: new JoinRequest({
      clientInfo: new ClientInfo({ sdk: ClientInfo_SDK.JS, version: '2.23.0' }),
    }).toBinary(),
  }).toBinary(),
).toString('base64url');

/** The URL livekit-client opens: ws(s) form of the server URL, `/rtc`, token as a query parameter. */
function signalUrl(token: string, path = '/rtc', room?: string): string {
  const query = new URLSearchParams({
    access_token: token,
    ...(room === undefined ? {} : { room }),
    ...(path === '/rtc/v1' ? { join_request: JOIN_REQUEST } : {}),
  });
  return `${lk.emulator.url.replace(/^http/, 'ws')}${path}?${query}`;
}

type Outcome = { socket: WebSocket; inbox: SignalInbox } | { status: number; body: string };

/** Opens the signal socket and reports either the open socket or the refused upgrade's status and body. */
function connect(token: string, path?: string, room?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(signalUrl(token, path, room));
    // Listening from the start: the JoinResponse can arrive in the same tick as 'open'.
    const inbox = signalInbox(socket);
    socket.once('open', () => resolve({ socket, inbox }));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    socket.once('error', reject);
  });
}

type SignalInbox = ReturnType<typeof signalInbox>;

/** The signal responses a socket receives, in order, with a way to wait for one of a kind. */
function signalInbox(socket: WebSocket) {
  const received: SignalResponse[] = [];
  const waiters: (() => void)[] = [];
  socket.on('message', (data: Buffer) => {
    received.push(SignalResponse.fromBinary(data));
    for (const wake of waiters.splice(0)) wake();
  });
  return {
    received,
    async next(kind: SignalResponse['message']['case']): Promise<SignalResponse> {
      const deadline = Date.now() + 5_000;
      for (;;) {
        const found = received.find((response) => response.message.case === kind);
        if (found !== undefined) return found;
        if (Date.now() > deadline) throw new Error(`no ${kind} message`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, deadline - Date.now());
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
}

function sendRequest(socket: WebSocket, message: SignalRequest['message']): void {
  socket.send(new SignalRequest({ message }).toBinary());
}

async function identities(room: string): Promise<string[]> {
  return (await lk.rooms.listParticipants(room)).map((p) => p.identity).sort();
}

describe('/rtc join', () => {
  it('makes the identity a participant of the token room until the socket closes', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'alice'));
    if (!('socket' in outcome)) throw new Error(`refused: ${outcome.status} ${outcome.body}`);
    const joined = await lk.inbox.next('participant_joined', room);
    expect(JSON.parse(joined.body).participant).toMatchObject({ identity: 'alice', name: 'ALICE' });
    expect(await identities(room)).toEqual(['alice']);

    outcome.socket.close();
    await lk.inbox.waitFor((all) =>
      all.some((d) => d.event === 'participant_left' && d.body.includes(room)),
    );
    expect(await identities(room)).toEqual([]);
  });

  it('also accepts the /rtc/v1 path livekit-client tries first', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'bob'), '/rtc/v1');
    expect('socket' in outcome).toBe(true);
    if ('socket' in outcome) outcome.socket.close();
  });

  it('refuses /rtc/v1 without its join_request with 400, as livekit-server does', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const url = `${lk.emulator.url.replace(/^http/, 'ws')}/rtc/v1?access_token=${await joinToken(room, 'bob')}`;
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.once('unexpected-response', (_request, response) => resolve(response.statusCode));
      socket.once('open', () => resolve(undefined));
      socket.once('error', reject);
    });
    expect(status).toBe(400);
  });

  it('disconnects the socket when the participant is removed through the API', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'carol'));
    if (!('socket' in outcome)) throw new Error('refused');
    const closed = new Promise<number>((resolve) => outcome.socket.once('close', resolve));
    await lk.rooms.removeParticipant(room, 'carol');
    expect(await closed).toBe(1000);
  });

  it('sends the JoinResponse first and answers both kinds of ping', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'erin'), '/rtc/v1');
    if (!('socket' in outcome)) throw new Error('refused');
    const inbox = outcome.inbox;
    const join = await inbox.next('join');
    expect(inbox.received[0]).toBe(join);
    if (join.message.case !== 'join') throw new Error('unreachable');
    expect(join.message.value).toMatchObject({
      serverVersion: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      pingInterval: 5,
      pingTimeout: 15,
      participant: { identity: 'erin', permission: { canPublish: true, canSubscribe: true } },
      room: { name: room, activeRecording: false },
    });

    sendRequest(outcome.socket, { case: 'ping', value: 1234n });
    sendRequest(outcome.socket, {
      case: 'pingReq',
      value: new Ping({ timestamp: 5678n, rtt: 3n }),
    });
    const pong = await inbox.next('pong');
    const pongResp = await inbox.next('pongResp');
    expect(pong.message.value).toEqual(expect.any(BigInt));
    expect(pongResp.message.value).toMatchObject({ lastPingTimestamp: 5678n });
    outcome.socket.close();
  });

  it('keeps serving a session after undecodable frames and a broken ICE candidate', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'hank'));
    if (!('socket' in outcome)) throw new Error('refused');
    await outcome.inbox.next('join');
    outcome.socket.send(Buffer.from([0xff, 0xff, 0xff]));
    sendRequest(outcome.socket, {
      case: 'trickle',
      value: new TrickleRequest({ candidateInit: '{not json' }),
    });
    sendRequest(outcome.socket, { case: 'ping', value: 1n });
    await outcome.inbox.next('pong');
    expect(await identities(room)).toEqual(['hank']);
    outcome.socket.close();
  });

  it('does not publish for a token without the publish grant', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity: 'ivy' });
    token.addGrant({ roomJoin: true, room, canPublish: false });
    const outcome = await connect(await token.toJwt());
    if (!('socket' in outcome)) throw new Error('refused');
    await outcome.inbox.next('join');
    sendRequest(outcome.socket, {
      case: 'addTrack',
      value: new AddTrackRequest({ cid: 'mic', type: TrackType.AUDIO }),
    });
    sendRequest(outcome.socket, { case: 'ping', value: 1n });
    // Requests are handled in order, so a TrackPublishedResponse would have come before the pong.
    await outcome.inbox.next('pong');
    expect(outcome.inbox.received.map((r) => r.message.case)).not.toContain('trackPublished');
    expect((await lk.rooms.listParticipants(room))[0]?.isPublisher).toBe(false);
    outcome.socket.close();
  });

  it('ends the session on the LeaveRequest of the client', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'frank'));
    if (!('socket' in outcome)) throw new Error('refused');
    await outcome.inbox.next('join');
    const closed = new Promise<number>((resolve) => outcome.socket.once('close', resolve));
    sendRequest(outcome.socket, {
      case: 'leave',
      value: new LeaveRequest({
        reason: DisconnectReason.CLIENT_INITIATED,
        action: LeaveRequest_Action.DISCONNECT,
      }),
    });
    await closed;
    const left = await lk.inbox.next('participant_left', room);
    expect(JSON.parse(left.body).participant).toMatchObject({ identity: 'frank' });
    expect(await identities(room)).toEqual([]);
  });

  it('sends a LeaveRequest saying why before the server removes a participant', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'gina'));
    if (!('socket' in outcome)) throw new Error('refused');
    const inbox = outcome.inbox;
    await inbox.next('join');
    await lk.rooms.removeParticipant(room, 'gina');
    const leave = await inbox.next('leave');
    expect(leave.message.value).toMatchObject({
      canReconnect: false,
      reason: DisconnectReason.PARTICIPANT_REMOVED,
      action: LeaveRequest_Action.DISCONNECT,
    });
  });

  it('refuses an expired token with 401', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'alice', { ttl: '-5 minutes' }));
    expect(outcome).toMatchObject({
      status: 401,
      body: expect.stringContaining('token is expired'),
    });
  });

  it('refuses a token signed with the wrong secret with 401', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const outcome = await connect(await joinToken(room, 'alice', { secret: 'wrong-secret' }));
    expect(outcome).toMatchObject({ status: 401 });
  });

  it('refuses a token for a room that does not exist with 404', async () => {
    const outcome = await connect(await joinToken(lk.roomName('missing'), 'alice'));
    expect(outcome).toEqual({ status: 404, body: 'requested room does not exist' });
  });

  it('refuses a token without the roomJoin grant with 401', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity: 'alice' });
    token.addGrant({ roomAdmin: true, room });
    const outcome = await connect(await token.toJwt());
    expect(outcome).toEqual({ status: 401, body: 'permissions denied' });
  });

  it('joins the room of the room query parameter when the token names none', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity: 'dave' });
    token.addGrant({ roomJoin: true });
    const outcome = await connect(await token.toJwt(), '/rtc', room);
    expect('socket' in outcome).toBe(true);
    expect(await identities(room)).toEqual(['dave']);
    if ('socket' in outcome) outcome.socket.close();
  });

  it('refuses a join token without an identity with 400', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    // The SDK will not mint such a token, so it is signed by hand as any HS256 library would.
    const nowS = Math.floor(Date.now() / 1000);
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsigned = `${encode({ alg: 'HS256' })}.${encode({ iss: lk.apiKey, nbf: nowS, exp: nowS + 600, video: { roomJoin: true, room } })}`;
    const signature = createHmac('sha256', lk.apiSecret).update(unsigned).digest('base64url');
    const outcome = await connect(`${unsigned}.${signature}`);
    expect(outcome).toEqual({ status: 400, body: 'identity cannot be empty' });
  });

  it('answers the validate URL the client calls after a failed upgrade', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const valid = await fetch(
      `${lk.emulator.url}/rtc/v1/validate?access_token=${await joinToken(room, 'a')}`,
    );
    expect([valid.status, await valid.text()]).toEqual([200, 'success']);
    expect(valid.headers.get('access-control-allow-origin')).toBe('*');
    const expired = await fetch(
      `${lk.emulator.url}/rtc/validate?access_token=${await joinToken(room, 'a', { ttl: '-5 minutes' })}`,
    );
    expect(expired.status).toBe(401);
  });
});
