import { ListRoomsRequest, ListRoomsResponse } from '@livekit/protocol';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture;

beforeAll(async () => {
  lk = await startLivekitFixture();
});
afterAll(async () => {
  await lk.close();
});

const ALL_GRANTS: VideoGrant = { roomCreate: true, roomList: true, roomRecord: true };

async function bearer(grant: VideoGrant = ALL_GRANTS, apiKey = lk.apiKey): Promise<string> {
  const token = new AccessToken(apiKey, lk.apiSecret);
  token.addGrant(grant);
  return `Bearer ${await token.toJwt()}`;
}

interface RawCall {
  readonly method?: string;
  readonly contentType?: string;
  readonly authorization?: string | null;
  readonly body?: string;
}

/** One HTTP request to a Twirp path, as any client (not only the SDK) may send it. */
async function call(path: string, init: RawCall = {}) {
  const headers: Record<string, string> = {
    'Content-Type': init.contentType ?? 'application/json',
  };
  const authorization = init.authorization === undefined ? await bearer() : init.authorization;
  if (authorization !== null) headers.Authorization = authorization;
  const response = await fetch(`${lk.emulator.url}${path}`, {
    method: init.method ?? 'POST',
    headers,
    body: init.method === 'GET' ? undefined : (init.body ?? '{}'),
  });
  const text = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type'), text };
}

const twirpError = (result: { status: number; contentType: string | null; text: string }) => ({
  status: result.status,
  contentType: result.contentType,
  ...(JSON.parse(result.text) as { code: string; msg: string }),
});

describe('Twirp wire format', () => {
  it('answers snake_case with every field present, int64 as strings, and exactly application/json', async () => {
    const name = lk.roomName();
    const result = await call('/twirp/livekit.RoomService/CreateRoom', {
      body: JSON.stringify({ name }),
    });
    expect([result.status, result.contentType]).toEqual([200, 'application/json']);
    const room = JSON.parse(result.text);
    expect(room).toMatchObject({
      name,
      num_participants: 0,
      metadata: '',
      active_recording: false,
    });
    expect(typeof room.creation_time).toBe('string');
    // An unset message field is null, as Go's EmitUnpopulated writes it.
    expect(room.version).toBeNull();
  });

  it('accepts snake_case request keys and ignores unknown ones', async () => {
    const name = lk.roomName();
    const result = await call('/twirp/livekit.RoomService/CreateRoom', {
      body: JSON.stringify({ name, empty_timeout: 42, no_such_field: true }),
    });
    expect(JSON.parse(result.text).empty_timeout).toBe(42);
  });

  it('speaks application/protobuf too', async () => {
    const result = await fetch(`${lk.emulator.url}/twirp/livekit.RoomService/ListRooms`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/protobuf', Authorization: await bearer() },
      body: new Uint8Array(new ListRoomsRequest().toBinary()),
    });
    expect(result.headers.get('content-type')).toBe('application/protobuf');
    expect(
      ListRoomsResponse.fromBinary(new Uint8Array(await result.arrayBuffer())).rooms,
    ).toBeInstanceOf(Array);
  });

  it('answers bad_route to a method other than POST, an unknown method and a wrong content type', async () => {
    const get = twirpError(await call('/twirp/livekit.RoomService/ListRooms', { method: 'GET' }));
    expect(get).toMatchObject({
      status: 404,
      code: 'bad_route',
      msg: 'unsupported method "GET" (only POST is allowed)',
    });
    const unknown = twirpError(await call('/twirp/livekit.RoomService/NoSuchMethod'));
    expect(unknown).toMatchObject({
      status: 404,
      contentType: 'application/json',
      code: 'bad_route',
      msg: 'no handler for path "/twirp/livekit.RoomService/NoSuchMethod"',
    });
    const text = twirpError(
      await call('/twirp/livekit.RoomService/ListRooms', { contentType: 'text/plain' }),
    );
    expect(text).toMatchObject({
      status: 404,
      code: 'bad_route',
      msg: 'unexpected Content-Type: "text/plain"',
    });
    const withCharset = await call('/twirp/livekit.RoomService/ListRooms', {
      contentType: 'Application/JSON; charset=utf-8',
    });
    expect(withCharset.status).toBe(200);
  });

  it('answers a plain 404 for a service the server does not have', async () => {
    const result = await call('/twirp/livekit.NoSuchService/Call');
    expect([result.status, result.text]).toEqual([404, '404 page not found\n']);
  });

  it('answers unimplemented for real methods the emulator does not model', async () => {
    const result = twirpError(await call('/twirp/livekit.Egress/StartWebEgress'));
    expect(result).toMatchObject({ status: 501, code: 'unimplemented' });
  });

  it('answers malformed to bodies that are not one JSON request of the right shape', async () => {
    for (const body of [
      '',
      '{"name":',
      '[1,2]',
      'null',
      '{"empty_timeout":-1}',
      '{"name":{"nested":1}}',
    ]) {
      const result = twirpError(await call('/twirp/livekit.RoomService/CreateRoom', { body }));
      expect(result, body).toMatchObject({
        status: 400,
        code: 'malformed',
        msg: 'the json request could not be decoded',
      });
    }
  });

  it('answers malformed to an enum of the wrong JSON type, and ignores an unknown enum name as Go does', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const start = (preset: unknown) =>
      call('/twirp/livekit.Egress/StartRoomCompositeEgress', {
        body: JSON.stringify({
          roomName: room,
          preset,
          fileOutputs: [{ filepath: `${lk.outputDir}/${room}.mp4` }],
        }),
      });
    expect(twirpError(await start({ not: 'an enum' }))).toMatchObject({
      status: 400,
      code: 'malformed',
    });
    // protojson with DiscardUnknown drops an unknown enum name: the default preset applies.
    const unknownName = await start('H264_8K_240');
    expect(unknownName.status).toBe(200);
    const egressId = JSON.parse(unknownName.text).egress_id;
    await lk.egress.stopEgress(egressId);
    await lk.inbox.next('egress_ended', egressId);
  });

  it('answers invalid_argument to more than one file output and to an absurd filepath', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const start = (body: object) =>
      call('/twirp/livekit.Egress/StartRoomCompositeEgress', {
        body: JSON.stringify({ roomName: room, ...body }),
      });
    const two = twirpError(
      await start({ fileOutputs: [{ filepath: '/a.mp4' }, { filepath: '/b.mp4' }] }),
    );
    expect(two).toMatchObject({
      status: 400,
      code: 'invalid_argument',
      msg: 'multiple file outputs',
    });
    const long = twirpError(
      await start({ fileOutputs: [{ filepath: `/${'a'.repeat(5000)}.mp4` }] }),
    );
    expect(long).toMatchObject({ status: 400, code: 'invalid_argument' });
    const none = twirpError(await start({}));
    expect(none).toMatchObject({ status: 400, code: 'invalid_argument' });
  });

  it('answers malformed to a body over 10 MiB and keeps serving', async () => {
    const result = twirpError(
      await call('/twirp/livekit.RoomService/ListRooms', {
        body: `{"names":["${'x'.repeat(11 * 1024 * 1024)}"]}`,
      }),
    );
    expect(result).toMatchObject({ status: 400, code: 'malformed' });
    expect((await call('/twirp/livekit.RoomService/ListRooms')).status).toBe(200);
  });
});

describe('authentication', () => {
  it('answers 401 in plain text to an Authorization header without Bearer', async () => {
    const result = await call('/twirp/livekit.RoomService/ListRooms', {
      authorization: 'Token abc',
    });
    expect([result.status, result.text]).toEqual([
      401,
      'invalid authorization header. Must start with Bearer ',
    ]);
  });

  it('answers 401 in plain text to a token that is not a JWT', async () => {
    const result = await call('/twirp/livekit.RoomService/ListRooms', {
      authorization: 'Bearer not-a-jwt',
    });
    expect([result.status, result.text]).toEqual([401, 'invalid authorization token']);
  });

  it('answers 401 in plain text to a token from an unknown API key', async () => {
    const result = await call('/twirp/livekit.RoomService/ListRooms', {
      authorization: await bearer(ALL_GRANTS, 'APIunknown'),
    });
    expect([result.status, result.text]).toEqual([401, 'invalid API key: APIunknown']);
  });

  it('answers unauthenticated "permissions denied" without a token or without the grant', async () => {
    const none = twirpError(
      await call('/twirp/livekit.RoomService/ListRooms', { authorization: null }),
    );
    expect(none).toMatchObject({ status: 401, code: 'unauthenticated', msg: 'permissions denied' });
    const noRecord = twirpError(
      await call('/twirp/livekit.Egress/ListEgress', {
        authorization: await bearer({ roomList: true }),
      }),
    );
    expect(noRecord).toMatchObject({
      status: 401,
      code: 'unauthenticated',
      msg: 'permissions denied',
    });
  });

  it('accepts a token passed as the access_token query parameter', async () => {
    const token = (await bearer()).slice('Bearer '.length);
    const result = await call(`/twirp/livekit.RoomService/ListRooms?access_token=${token}`, {
      authorization: null,
    });
    expect(result.status).toBe(200);
  });
});
