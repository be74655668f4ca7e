import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { RecordingStack } from '../support/recording-stack.js';

let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start({ env: { EGRESS_START_TIMEOUT_S: '3' } });
  await stack.startController();
});

afterAll(async () => {
  await stack?.stop();
});

describe('recording control, through the database as the SPA drives it', () => {
  it('goes requested → starting → recording → stopping → processing, seen live by another participant', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    const bob = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: bob.uid });
    stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, true);

    // Bob listens before the request is written: the controller may move it on at once.
    const recordingId = alice.nextRecordingId();
    const seen = stack.watchStatuses(bob.db, roomKey, recordingId);
    await seen.ready;
    await alice.start(roomUrl, { recordingId });
    const recording = await stack.waitForRecord(
      bob.db,
      roomKey,
      recordingId,
      hasStatus('recording'),
    );
    expect(recording.egressId).toMatch(/^EG_/);
    expect(recording.startedAt).toEqual(expect.any(Number));
    await stack.waitForLock(
      bob.db,
      roomKey,
      (lock) => lock?.recordingId === recordingId && lock.status === 'recording',
    );

    await bob.stop(roomUrl, recordingId);
    const processing = await stack.waitForRecord(
      bob.db,
      roomKey,
      recordingId,
      hasStatus('processing'),
    );
    seen.stop();
    expect(seen.statuses).toEqual(['requested', 'starting', 'recording', 'stopping', 'processing']);
    expect(processing).toMatchObject({ stopRequestedBy: bob.uid, sizeBytes: expect.any(Number) });
    expect(processing.sizeBytes).toBeGreaterThan(0);
    expect(existsSync(join(stack.outputDir, roomKey, `${recordingId}.mp4`))).toBe(true);
    await stack.waitForLock(bob.db, roomKey, (lock) => lock === null);
  });

  it('fails with not_in_room when the requester is not a participant of the room', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const mallory = await stack.participant();
    const recordingId = await mallory.start(roomUrl);
    const failed = await stack.waitForRecord(mallory.db, roomKey, recordingId, hasStatus('failed'));
    expect(failed.error).toMatchObject({ code: 'not_in_room' });
  });

  it('fails a second start in the same room with already_recording, naming the active one', async () => {
    const { roomUrl, roomKey, recordingId: first, alice } = await stack.recordingInNewRoom();
    const second = await alice.start(roomUrl);
    const failed = await stack.waitForRecord(alice.db, roomKey, second, hasStatus('failed'));
    expect(failed.error).toMatchObject({ code: 'already_recording' });
    expect((failed.error as { message: string }).message).toContain(first);
    await alice.stop(roomUrl, first);
    await stack.waitForRecord(alice.db, roomKey, first, hasStatus('processing'));
  });

  it('fails with egress_unavailable when no egress worker can take the recording', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    stack.livekit.controls.egress.setWorkerAvailable(false);
    try {
      const recordingId = await alice.start(roomUrl);
      const failed = await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('failed'));
      expect(failed.error).toMatchObject({ code: 'egress_unavailable' });
      await stack.waitForLock(alice.db, roomKey, (lock) => lock === null);
    } finally {
      stack.livekit.controls.egress.setWorkerAvailable(true);
    }
  });

  it('fails with egress_start_timeout when nothing is published in time, and stops the egress', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    const recordingId = await alice.start(roomUrl);
    const failed = await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('failed'));
    expect(failed.error).toMatchObject({ code: 'egress_start_timeout' });
    await stack.waitForLock(alice.db, roomKey, (lock) => lock === null);
  });

  it('cancels a recording stopped before its egress started', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    const recordingId = await alice.start(roomUrl);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('starting'));
    await alice.stop(roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('canceled'));
    await stack.waitForLock(alice.db, roomKey, (lock) => lock === null);
  });
});
