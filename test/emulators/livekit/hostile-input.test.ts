import fc from 'fast-check';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture;
let authorization: string;

beforeAll(async () => {
  lk = await startLivekitFixture();
  const token = new AccessToken(lk.apiKey, lk.apiSecret);
  token.addGrant({
    roomCreate: true,
    roomList: true,
    roomRecord: true,
    roomAdmin: true,
    room: 'fuzz',
  });
  authorization = `Bearer ${await token.toJwt()}`;
});
afterAll(async () => {
  await lk.close();
});

const METHODS = [
  'RoomService/CreateRoom',
  'RoomService/ListRooms',
  'RoomService/DeleteRoom',
  'RoomService/ListParticipants',
  'RoomService/RemoveParticipant',
  'RoomService/UpdateRoomMetadata',
  'Egress/StartRoomCompositeEgress',
  'Egress/StopEgress',
  'Egress/ListEgress',
  'Egress/UpdateLayout',
];

describe('hostile input', () => {
  it('answers every odd request with a Twirp error or a result and keeps serving', async () => {
    const body = fc.oneof(
      fc.string(),
      fc.json(),
      fc
        .record({
          name: fc.string(),
          room: fc.constantFrom('fuzz', ''),
          roomName: fc.constantFrom('fuzz', 'nope'),
          egressId: fc.string(),
          emptyTimeout: fc.oneof(fc.integer(), fc.double(), fc.string()),
          fileOutputs: fc.array(
            fc.record({ filepath: fc.string(), fileType: fc.oneof(fc.string(), fc.integer()) }),
          ),
          preset: fc.oneof(fc.string(), fc.integer()),
        })
        .map((value) => JSON.stringify(value)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        body,
        fc.constantFrom('application/json', 'application/protobuf', 'text/plain'),
        async (method, payload, contentType) => {
          const response = await fetch(`${lk.emulator.url}/twirp/livekit.${method}`, {
            method: 'POST',
            headers: { Authorization: authorization, 'Content-Type': contentType },
            body: payload,
          });
          const text = await response.text();
          if (response.status !== 200) {
            expect(response.headers.get('content-type')).toBe('application/json');
            expect(JSON.parse(text)).toHaveProperty('code');
            expect(response.status).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 300 },
    );
    expect((await lk.rooms.listRooms()).length).toBeGreaterThanOrEqual(0);
  });
});
