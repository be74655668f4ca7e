import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EgressClient,
  EgressStatus,
  EncodedFileOutput,
  RoomServiceClient,
} from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeOnEachLivekit } from '../../support/each-livekit.js';
import { type LivekitUnderTest, startLivekitUnderTest } from '../../support/livekit-under-test.js';
import { randomSecret } from '../../support/test-env.js';
import { serverErrorOf } from './support/server-error.js';

/**
 * What the real livekit-server answered, asserted on it and on our emulator alike: each case is
 * a difference found when the real server joined the suite, and the emulator now answers the
 * same (emulators/livekit/README.md, "Learnt from the real server").
 */
describeOnEachLivekit('answers the emulator learnt from the real server', (kind) => {
  const keys = { apiKey: randomSecret('APIkey'), apiSecret: randomSecret('secret') };
  let livekit: LivekitUnderTest;
  let outputDir: string;
  let rooms: RoomServiceClient;
  let egress: EgressClient;

  beforeAll(async () => {
    outputDir = await mkdtemp(join(tmpdir(), 'recordings-'));
    livekit = await startLivekitUnderTest(kind, keys, outputDir);
    rooms = new RoomServiceClient(livekit.url, keys.apiKey, keys.apiSecret);
    egress = new EgressClient(livekit.url, keys.apiKey, keys.apiSecret);
  });

  afterAll(async () => {
    await livekit?.stop();
    await rm(outputDir, { recursive: true, force: true });
  });

  const room = () => `parity-${randomSecret('room').slice(-10)}`;

  it('prefixes its not_found messages with "twirp error unknown: "', async () => {
    const answers = [
      await serverErrorOf(rooms.deleteRoom(room())),
      await serverErrorOf(rooms.removeParticipant(room(), 'nobody')),
      await serverErrorOf(egress.listEgress({ egressId: 'EG_doesnotexist' })),
      await serverErrorOf(egress.updateLayout('EG_doesnotexist', 'grid')),
    ].map((error) => [error.status, error.code, error.message]);
    expect(answers).toEqual([
      [404, 'not_found', 'twirp error unknown: requested room does not exist'],
      [404, 'not_found', 'twirp error unknown: participant does not exist'],
      [404, 'not_found', 'twirp error unknown: egress does not exist'],
      [404, 'not_found', 'twirp error unknown: egress does not exist'],
    ]);
  });

  it('lists an unknown room as empty, for participants and egresses alike', async () => {
    expect(await rooms.listParticipants(room())).toEqual([]);
    expect(await egress.listEgress({ roomName: room() })).toEqual([]);
  });

  it('keeps isPublisher true after the participant unpublished everything', async () => {
    const name = room();
    const member = await livekit.joinAndPublish(name, 'alice');
    try {
      await expect
        .poll(async () => (await rooms.listParticipants(name))[0]?.tracks.length, {
          timeout: 10_000,
        })
        .toBe(1);
      await member.setPublishing(false);
      await expect
        .poll(async () => (await rooms.listParticipants(name))[0]?.tracks.length, {
          timeout: 10_000,
        })
        .toBe(0);
      expect((await rooms.listParticipants(name))[0]?.isPublisher).toBe(true);
    } finally {
      await member.leave();
    }
  });

  it('answers ListEgress by id alone: the room and active filters do not apply to an id', async () => {
    const name = room();
    await rooms.createRoom({ name });
    // Nobody publishes, so the egress stays STARTING until it is stopped.
    const started = await egress.startRoomCompositeEgress(name, {
      file: new EncodedFileOutput({ filepath: join(outputDir, `${name}.mp4`) }),
    });
    try {
      const listed = await egress.listEgress({
        egressId: started.egressId,
        roomName: room(),
        active: true,
      });
      expect(listed.map((info) => info.egressId)).toEqual([started.egressId]);
    } finally {
      await egress.stopEgress(started.egressId);
    }
    await expect
      .poll(async () => (await egress.listEgress({ egressId: started.egressId }))[0]?.status)
      .toBe(EgressStatus.EGRESS_ABORTED);
  });
});
