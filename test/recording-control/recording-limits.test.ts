import { afterAll, beforeAll, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { describeOnEachLivekit, itUnlessFailsOn } from '../support/each-livekit.js';
import { RecordingStack } from '../support/recording-stack.js';

describeOnEachLivekit('limits the controller enforces on its own', (kind) => {
  let stack: RecordingStack;

  beforeAll(async () => {
    stack = await RecordingStack.start({
      env: { RECORDING_MAX_DURATION_S: '2', RECORDING_IDLE_TIMEOUT_S: '2' },
      ...(kind === 'real' ? { real: true } : {}),
    });
    await stack.startController();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('stops a recording that reaches RECORDING_MAX_DURATION_S, and it finishes normally', async () => {
    const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
    // Listening before the request is written: the controller may move it on at once.
    const recordingId = alice.nextRecordingId();
    const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
    await seen.ready;
    await alice.start(roomUrl, { recordingId });
    const processing = await stack.waitForRecord(
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

  // The real server's isPublisher stays true once a participant has published (it is never
  // reset), so an idle rule built on it never fires there: the rule must read current tracks.
  itUnlessFailsOn(
    kind,
    ['real'],
    21,
  )('stops a recording whose room has had no publisher for RECORDING_IDLE_TIMEOUT_S', async () => {
    const { roomKey, recordingId, alice, aliceInRoom } = await stack.recordingInNewRoom();
    await aliceInRoom.setPublishing(false);
    const ended = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      (record) => record.status === 'processing' || record.status === 'failed',
    );
    expect(ended.status).toBe('processing');
  });
});
