import { setTimeout as recordFor } from 'node:timers/promises';
import { EncodedFileOutput } from '@livekit/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFully, probeDurationS, requireFfprobe } from './support/ffprobe.js';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture;

beforeAll(async () => {
  await requireFfprobe();
  lk = await startLivekitFixture();
});
afterAll(async () => {
  await lk?.close();
});

async function recordRoom(durationMs: number) {
  const room = lk.roomName();
  await lk.rooms.createRoom({ name: room });
  lk.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
  lk.emulator.controls.rooms.setPublishing(room, 'alice', true);
  const started = await lk.egress.startRoomCompositeEgress(room, {
    file: new EncodedFileOutput({ filepath: `${lk.outputDir}/${room}/take.mp4` }),
  });
  await lk.inbox.next('egress_updated', started.egressId);
  const activeAt = Date.now();
  // The recording's length is what this test is about, so it records for a while.
  await recordFor(durationMs);
  await lk.egress.stopEgress(started.egressId);
  const stoppedAt = Date.now();
  const ended = await lk.inbox.next('egress_ended', started.egressId);
  const info = (await lk.receiver.receive(ended.body, ended.authorization)).egressInfo;
  return { info, observedS: (stoppedAt - activeAt) / 1000 };
}

describe('recorded files', () => {
  it('is a playable MP4 whose duration is the time between ACTIVE and StopEgress', async () => {
    const { info, observedS } = await recordRoom(2_500);
    const file = info?.fileResults[0];
    const location = file?.location ?? '';
    await decodeFully(location);
    const probedS = await probeDurationS(location);
    expect(Math.abs(probedS - observedS)).toBeLessThan(1);
    expect(Math.abs(probedS - Number(file?.duration ?? 0n) / 1e9)).toBeLessThan(1);
  });

  it('has no moov box when the truncation switch is on, as a killed egress leaves it', async () => {
    lk.emulator.controls.egress.setTruncatedFiles(true);
    try {
      const { info } = await recordRoom(300);
      const location = info?.fileResults[0]?.location ?? '';
      await expect(probeDurationS(location)).rejects.toThrow(/moov atom not found/);
    } finally {
      lk.emulator.controls.egress.setTruncatedFiles(false);
    }
  });
});

describe('recorded files at a set bitrate', () => {
  it('carry the filler bytes a second asks for and still decode fully', async () => {
    const fast = await startLivekitFixture({ egressFillerBytesPerSecond: 3_000_000 });
    try {
      const room = fast.roomName();
      await fast.rooms.createRoom({ name: room });
      fast.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
      fast.emulator.controls.rooms.setPublishing(room, 'alice', true);
      const started = await fast.egress.startRoomCompositeEgress(room, {
        file: new EncodedFileOutput({ filepath: `${fast.outputDir}/${room}/take.mp4` }),
      });
      await fast.inbox.next('egress_updated', started.egressId);
      // The file's size follows its duration, so it records for a while.
      await recordFor(1_000);
      await fast.egress.stopEgress(started.egressId);
      const ended = await fast.inbox.next('egress_ended', started.egressId);
      const file = (await fast.receiver.receive(ended.body, ended.authorization)).egressInfo
        ?.fileResults[0];
      const seconds = Number(file?.duration ?? 0n) / 1e9;
      expect(Number(file?.size ?? 0n)).toBeGreaterThan(seconds * 3_000_000 * 0.9);
      await decodeFully(file?.location ?? '');
    } finally {
      await fast.close();
    }
  });
});
