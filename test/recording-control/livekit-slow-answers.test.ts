import { EgressStatus } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { adminDatabase } from '../reliability/recording-guarantees.js';
import { RecordingStack } from '../support/recording-stack.js';

// The real server answers "no worker" only after 20–23 s of retries (emulators/livekit/README.md,
// "Learnt from the real server"); the start deadline here is far above it.
let stack: RecordingStack;

beforeAll(async () => {
  // Chrome takes 8 s to launch, and a StopEgress meanwhile waits for it, as on the real server.
  stack = await RecordingStack.start({
    env: { EGRESS_START_TIMEOUT_S: '120' },
    livekit: { egressActivationDelayMs: 8_000 },
  });
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

  it('finishes a stop command while StopEgress still waits for Chrome to launch', async () => {
    stack.livekit.controls.egress.setStopWaitsForLaunch(true, { timeoutMs: 20_000 });
    const admin = adminDatabase(stack);
    try {
      const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
      const recordingId = await alice.start(roomUrl);
      const starting = await stack.waitForRecord(
        alice.db,
        roomKey,
        recordingId,
        (record) => typeof record.egressId === 'string',
      );
      await alice.stop(roomUrl, recordingId);
      await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('canceled'));
      // The stop command is done (its entry deleted) while the egress is still launching: the
      // command path did not wait for StopEgress, which answers only once Chrome is up.
      await expect
        .poll(async () => (await admin.db.ref(`recordingQueue/${recordingId}_stop`).get()).exists())
        .toBe(false);
      const [egress] = await stack
        .egressClient()
        .listEgress({ egressId: String(starting.egressId) });
      expect(egress?.status).toBe(EgressStatus.EGRESS_STARTING);
      // And nothing records on: once up, the egress ends ABORTED.
      await expect
        .poll(
          async () =>
            (await stack.egressClient().listEgress({ egressId: String(starting.egressId) }))[0]
              ?.status,
          { timeout: 20_000 },
        )
        .toBe(EgressStatus.EGRESS_ABORTED);
    } finally {
      stack.livekit.controls.egress.setStopWaitsForLaunch(false);
      await admin.close();
    }
  }, 60_000);
});
