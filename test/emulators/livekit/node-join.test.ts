import { AccessToken, EncodedFileOutput } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installNodeWebrtc, syntheticTracks } from '../../support/node-webrtc.js';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

// livekit-client looks its WebRTC up on globalThis, so the globals come first.
installNodeWebrtc();
const { ConnectionError, ConnectionErrorReason, LogLevel, Room, RoomEvent, Track, setLogLevel } =
  await import('livekit-client');
// Its info logs (state changes, every signal message) would bury the test report.
setLogLevel(LogLevel.warn);
type LivekitRoom = InstanceType<typeof Room>;

let lk: LivekitFixture;
const rooms: LivekitRoom[] = [];
const stopTracks: (() => void)[] = [];

beforeAll(async () => {
  lk = await startLivekitFixture({ autoCreateRooms: false });
});
afterEach(async () => {
  await Promise.all(rooms.splice(0).map((room) => room.disconnect()));
  for (const stop of stopTracks.splice(0)) stop();
});
afterAll(async () => {
  await lk?.close();
});

async function joinToken(room: string, identity: string, secret = lk.apiSecret): Promise<string> {
  const token = new AccessToken(lk.apiKey, secret, { identity });
  token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
  return token.toJwt();
}

async function joined(roomName: string, identity: string): Promise<LivekitRoom> {
  const room = new Room();
  rooms.push(room);
  await room.connect(lk.emulator.url, await joinToken(roomName, identity));
  return room;
}

/** Resolves once `condition` holds, checked now and after every room event; fails after 15 s. */
function until(room: LivekitRoom, what: string, condition: () => boolean): Promise<void> {
  if (condition()) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!condition()) return;
      stop();
      resolve();
    };
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`never saw ${what}`));
    }, 15_000);
    const events = Object.values(RoomEvent);
    const stop = () => {
      clearTimeout(timer);
      for (const event of events) room.off(event, check);
    };
    for (const event of events) room.on(event, check);
  });
}

describe('livekit-client in Node (WebRTC from @roamhq/wrtc) against the emulator', () => {
  it('connects, publishes, is seen by a second client, and follows the recording state', async () => {
    const roomName = lk.roomName();
    await lk.rooms.createRoom({ name: roomName });
    const alice = await joined(roomName, 'alice');
    expect(alice.state).toBe('connected');
    const { camera, microphone } = syntheticTracks();
    stopTracks.push(
      () => camera.stop(),
      () => microphone.stop(),
    );
    await alice.localParticipant.publishTrack(camera, { source: Track.Source.Camera });
    await alice.localParticipant.publishTrack(microphone, { source: Track.Source.Microphone });

    const bob = await joined(roomName, 'bob');
    const aliceSeenByBob = () => bob.remoteParticipants.get('alice');
    await until(bob, 'alice with 2 tracks', () => aliceSeenByBob()?.trackPublications.size === 2);
    expect(
      [...(aliceSeenByBob()?.trackPublications.values() ?? [])].map((t) => t.source).sort(),
    ).toEqual([Track.Source.Camera, Track.Source.Microphone]);
    const listed = await lk.rooms.listParticipants(roomName);
    expect(listed.map((p) => [p.identity, p.isPublisher]).sort()).toEqual([
      ['alice', true],
      ['bob', false],
    ]);

    const egress = await lk.egress.startRoomCompositeEgress(
      roomName,
      new EncodedFileOutput({ filepath: `${lk.outputDir}/${roomName}.mp4` }),
    );
    await until(alice, 'recording', () => alice.isRecording);
    await until(bob, 'recording', () => bob.isRecording);
    await lk.egress.stopEgress(egress.egressId);
    await until(alice, 'not recording', () => !alice.isRecording);
    await until(bob, 'not recording', () => !bob.isRecording);
  });

  it('refuses a token signed with another secret with NotAllowed', async () => {
    const roomName = lk.roomName();
    await lk.rooms.createRoom({ name: roomName });
    const room = new Room();
    rooms.push(room);
    const token = await joinToken(roomName, 'mallory', 'another-secret-another-secret');
    const error = await room.connect(lk.emulator.url, token).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ reason: ConnectionErrorReason.NotAllowed, status: 401 });
  });
});
