import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { RecordingStack } from '../support/recording-stack.js';

// The real server answers "no worker" only after 20–23 s of retries (emulators/livekit/README.md,
// "Learnt from the real server"); the start deadline here is far above it.
let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start({ env: { EGRESS_START_TIMEOUT_S: '120' } });
  await stack.startController();
});

afterAll(async () => {
  await stack?.stop();
});

describe('LiveKit answers as slowly as the real server', () => {
  it('waits for the no-worker answer instead of timing out, and says no worker is available', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    // Longer than the server SDK's default 10 s request timeout.
    stack.livekit.controls.egress.setWorkerAvailable(false, { answerAfterMs: 15_000 });
    try {
      const recordingId = await alice.start(roomUrl);
      const failed = await stack.waitForRecord(
        alice.db,
        roomKey,
        recordingId,
        hasStatus('failed'),
        40_000,
      );
      expect(failed.error).toMatchObject({
        code: 'egress_unavailable',
        message: expect.stringContaining('No egress worker is available'),
      });
      await stack.waitForLock(alice.db, roomKey, (lock) => lock === null);
    } finally {
      stack.livekit.controls.egress.setWorkerAvailable(true);
    }
  }, 60_000);
});
