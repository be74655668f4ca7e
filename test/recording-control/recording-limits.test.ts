import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { describeOnEachLivekit } from '../support/each-livekit.js';
import { RecordingStack } from '../support/recording-stack.js';

// Each limit has a stack of its own, the other limit far away, so that one limit's stop can
// never pass for the other's.
const FAR = String(3600);

describeOnEachLivekit('limits the controller enforces on its own', (kind) => {
  let maxDuration: RecordingStack;
  let idle: RecordingStack;
  const real = kind === 'real' ? { real: true as const } : {};

  beforeAll(async () => {
    maxDuration = await RecordingStack.start({
      env: { RECORDING_MAX_DURATION_S: '2', RECORDING_IDLE_TIMEOUT_S: FAR },
      ...real,
    });
    await maxDuration.startController();
    idle = await RecordingStack.start({
      env: { RECORDING_MAX_DURATION_S: FAR, RECORDING_IDLE_TIMEOUT_S: '2' },
      ...real,
    });
    await idle.startController();
  });

  afterAll(async () => {
    await maxDuration?.stop();
    await idle?.stop();
  });

  it('stops a recording that reaches RECORDING_MAX_DURATION_S, and it finishes normally', async () => {
    const { roomUrl, roomKey, alice } = await maxDuration.publisherInNewRoom();
    // Listening before the request is written: the controller may move it on at once.
    const recordingId = alice.nextRecordingId();
    const seen = maxDuration.watchStatuses(alice.db, roomKey, recordingId);
    await seen.ready;
    await alice.start(roomUrl, { recordingId });
    const processing = await maxDuration.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('processing'),
    );
    seen.stop();
    expect(seen.statuses).toEqual(['requested', 'starting', 'recording', 'stopping', 'processing']);
    expect(processing.stopRequestedBy).toBeUndefined();
    expect(processing.error).toBeUndefined();
  });

  // LiveKit's isPublisher stays true once a participant has published (it is never reset, and
  // the emulator does the same), so the idle rule reads the participants' current tracks.
  it('stops a recording whose room has had no track for RECORDING_IDLE_TIMEOUT_S', async () => {
    const { roomKey, recordingId, alice, aliceInRoom } = await idle.recordingInNewRoom();
    await aliceInRoom.setPublishing(false);
    const ended = await idle.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      (record) => record.status === 'processing' || record.status === 'failed',
      15_000,
    );
    expect(ended.status).toBe('processing');
  });
});
