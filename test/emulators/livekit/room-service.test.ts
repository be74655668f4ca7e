import { ParticipantInfo_Kind, ParticipantInfo_State } from '@livekit/protocol';
import { AccessToken, RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';
import { serverErrorOf } from './support/server-error.js';

let lk: LivekitFixture;

beforeAll(async () => {
  lk = await startLivekitFixture();
});
afterAll(async () => {
  await lk.close();
});

describe('RoomService', () => {
  it('creates a room once, lists it and deletes it', async () => {
    const name = lk.roomName();
    const created = await lk.rooms.createRoom({ name, emptyTimeout: 120, metadata: 'm1' });
    expect(created).toMatchObject({
      name,
      emptyTimeout: 120,
      departureTimeout: 20,
      metadata: 'm1',
    });
    expect(created.sid).toMatch(/^RM_/);
    expect(created.creationTime).toBeGreaterThan(0n);
    const again = await lk.rooms.createRoom({ name });
    expect(again.sid).toBe(created.sid);

    const listed = await lk.rooms.listRooms([name]);
    expect(listed.map((room) => room.sid)).toEqual([created.sid]);
    expect((await lk.rooms.listRooms()).map((room) => room.name)).toContain(name);

    await lk.rooms.deleteRoom(name);
    expect(await lk.rooms.listRooms([name])).toEqual([]);
    await lk.inbox.next('room_finished', name);
  });

  it('answers not_found when deleting a room that does not exist', async () => {
    const error = await serverErrorOf(lk.rooms.deleteRoom(lk.roomName('missing')));
    expect([error.status, error.code, error.message]).toEqual([
      404,
      'not_found',
      'twirp error unknown: requested room does not exist',
    ]);
  });

  it('lists participants with their state and publishing, and an unknown room as empty', async () => {
    const room = lk.roomName();
    lk.emulator.controls.rooms.addParticipant(room, {
      identity: 'alice',
      name: 'Alice',
      metadata: '{"a":1}',
    });
    lk.emulator.controls.rooms.addParticipant(room, { identity: 'bob' });
    lk.emulator.controls.rooms.setPublishing(room, 'bob', true);
    const participants = await lk.rooms.listParticipants(room);
    const byIdentity = Object.fromEntries(participants.map((p) => [p.identity, p]));
    expect(byIdentity.alice).toMatchObject({
      name: 'Alice',
      metadata: '{"a":1}',
      state: ParticipantInfo_State.ACTIVE,
      kind: ParticipantInfo_Kind.STANDARD,
      isPublisher: false,
    });
    expect(byIdentity.bob?.isPublisher).toBe(true);
    expect(byIdentity.bob?.tracks).toHaveLength(1);
    expect(await lk.rooms.listParticipants(lk.roomName('empty'))).toEqual([]);
  });

  it('removes a participant, and answers not_found for one that is not there', async () => {
    const room = lk.roomName();
    lk.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    await lk.rooms.removeParticipant(room, 'alice');
    expect(await lk.rooms.listParticipants(room)).toEqual([]);
    const error = await serverErrorOf(lk.rooms.removeParticipant(room, 'alice'));
    expect([error.status, error.code, error.message]).toEqual([
      404,
      'not_found',
      'twirp error unknown: participant does not exist',
    ]);
  });

  it('updates room metadata, and answers not_found for an unknown room', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const updated = await lk.rooms.updateRoomMetadata(room, 'new metadata');
    expect(updated.metadata).toBe('new metadata');
    expect((await lk.rooms.listRooms([room]))[0]?.metadata).toBe('new metadata');
    const error = await serverErrorOf(lk.rooms.updateRoomMetadata(lk.roomName('missing'), 'x'));
    expect(error.code).toBe('not_found');
  });
});

describe('room timeouts', () => {
  it('closes a room nobody joined after its empty timeout', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room, emptyTimeout: 1 });
    await lk.inbox.next('room_finished', room);
    expect(lk.inbox.events((d) => d.body.includes(room))).toEqual([
      'room_started',
      'room_finished',
    ]);
    expect(await lk.rooms.listRooms([room])).toEqual([]);
  });

  it('closes a room its departure timeout after the last participant left', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room, departureTimeout: 1 });
    lk.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    expect(await lk.rooms.listRooms([room])).toHaveLength(1);
    lk.emulator.controls.rooms.removeParticipant(room, 'alice');
    await lk.inbox.waitFor((all) =>
      all.some((d) => d.event === 'room_finished' && d.body.includes(room)),
    );
    expect(await lk.rooms.listRooms([room])).toEqual([]);
  });
});

describe('grants', () => {
  /** A client whose calls carry a token with only the given grant, as a misconfigured caller would. */
  async function clientWithToken(grant: Record<string, unknown>) {
    const token = new AccessToken(lk.apiKey, lk.apiSecret);
    token.addGrant(grant);
    return new RoomServiceClient(lk.emulator.url, undefined, undefined, {
      token: await token.toJwt(),
    });
  }

  it('refuses ListParticipants for another room than the roomAdmin grant names', async () => {
    const client = await clientWithToken({ roomAdmin: true, room: 'room-a' });
    const error = await serverErrorOf(client.listParticipants('room-b'));
    expect([error.status, error.code, error.message]).toEqual([
      401,
      'unauthenticated',
      'permissions denied',
    ]);
  });

  it('refuses CreateRoom without roomCreate and ListRooms without roomList', async () => {
    const client = await clientWithToken({ roomList: true });
    expect(await client.listRooms()).toBeInstanceOf(Array);
    const error = await serverErrorOf(client.createRoom({ name: lk.roomName() }));
    expect(error.code).toBe('unauthenticated');
    const noList = await clientWithToken({ roomCreate: true });
    expect((await serverErrorOf(noList.listRooms())).code).toBe('unauthenticated');
  });

  it('refuses every call signed with a secret it does not know', async () => {
    const client = new RoomServiceClient(lk.emulator.url, lk.apiKey, 'not-the-secret');
    const error = await serverErrorOf(client.listRooms());
    expect(error.status).toBe(401);
    expect(error.code).toBeUndefined();
  });
});
