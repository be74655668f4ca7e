import { EgressStatus } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  expectStoredAsOnDisk,
  FAST_FILES,
  hasStatus,
  isFinal,
} from '../file-pipeline/file-pipeline-support.js';
import { describeOnRealLivekit } from '../support/each-livekit.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack } from '../support/recording-stack.js';

/**
 * The real egress worker's failure modes, each as upstream Egress behaves (the worker's
 * README), with the real server's own answers: what the product must do with each.
 */
/** How long a test waits for a final status: thrice the stop deadline the stack sets (10 s). */
const SETTLE_MS = 30_000;
const TEST_MS = 90_000;

describeOnRealLivekit('the egress worker failing as the real one does', () => {
  const storage = useOwnStorageEmulator();
  let stack: RecordingStack;

  beforeAll(async () => {
    stack = await RecordingStack.start({
      real: true,
      files: FAST_FILES,
      env: { EGRESS_START_TIMEOUT_S: '45', EGRESS_STOP_TIMEOUT_S: '10' },
    });
    await stack.startController();
  });

  /** The workers still running (a test may have killed or stopped some). */
  const liveWorkers = () => stack.real.workers.filter((worker) => worker.running());

  afterEach(async () => {
    // A test that killed or stopped workers leaves one healthy worker for the next.
    for (const worker of liveWorkers()) await worker.setFaults({});
    if (liveWorkers().length === 0) await stack.real.addWorker();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** The real server's own record of an egress. */
  const egressOf = async (egressId: string) =>
    (await stack.egressClient().listEgress({ egressId }))[0];

  const lockReleased = (roomKey: string, db: Parameters<typeof stack.waitForLock>[0]) =>
    stack.waitForLock(db, roomKey, (lock) => lock === null, SETTLE_MS);

  it.each([
    ['no worker is registered', () => Promise.all(liveWorkers().map((worker) => worker.stop()))],
    [
      'the only worker has no CPU for it',
      () => Promise.all(liveWorkers().map((worker) => worker.setFaults({ refuseCpu: true }))),
    ],
  ] as const)(
    'fails a start with egress_unavailable when %s',
    async (_name, breakWorkers) => {
      await breakWorkers();
      const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
      const recordingId = await alice.start(roomUrl);
      const failed = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'egress_unavailable' });
      await lockReleased(roomKey, alice.db);
    },
    TEST_MS,
  );

  it(
    'cancels a recording stopped while Chrome still launches (ABORTED), without blocking',
    async () => {
      for (const worker of liveWorkers()) await worker.setFaults({ startDelayMs: 8_000 });
      const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
      const recordingId = await alice.start(roomUrl);
      await stack.waitForRecord(
        alice.db,
        roomKey,
        recordingId,
        (record) => typeof record.egressId === 'string',
      );
      await alice.stop(roomUrl, recordingId);
      const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
      expect(ended.status).toBe('canceled');
      await lockReleased(roomKey, alice.db);
      // And nothing records on: once Chrome is up, the egress ends ABORTED, as upstream.
      await expect
        .poll(async () => (await egressOf(String(ended.egressId)))?.status, { timeout: 30_000 })
        .toBe(EgressStatus.EGRESS_ABORTED);
    },
    TEST_MS,
  );

  it(
    'ends a recording whose worker was killed (egress lost, no end ever reported)',
    async () => {
      const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
      for (const worker of liveWorkers()) await worker.kill();
      await alice.stop(roomUrl, recordingId);
      const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
      // The real egress finishes its file in a temp directory: nothing reached ours.
      expect(ended.status).toBe('failed');
      expect(ended.error).toMatchObject({ code: 'egress_lost' });
      await lockReleased(roomKey, alice.db);
    },
    TEST_MS,
  );

  it(
    'uploads the finished file of a worker shut down mid-recording (FAILED, file complete)',
    async () => {
      const { roomKey, recordingId, alice } = await stack.recordingInNewRoom();
      for (const worker of liveWorkers()) await worker.interrupt();
      const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
      expect(ended.status).toBe('uploaded');
      expect(String(ended.egressError)).toContain('shutting down');
      await expectStoredAsOnDisk(storage().emulator, stack, roomKey, recordingId);
      await lockReleased(roomKey, alice.db);
    },
    TEST_MS,
  );

  it(
    'uploads the complete file of an audio-only egress that ends FAILED',
    async () => {
      for (const worker of liveWorkers()) {
        await worker.setFaults({ audioOnlyFails: true, audioOnlyFailAfterMs: 1_000 });
      }
      const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
      const recordingId = await alice.start(roomUrl, { audioOnly: true });
      await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('recording'));
      // Nobody stops it: the egress ends on its own, FAILED, a second after it went ACTIVE.
      const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
      expect(ended.status).toBe('uploaded');
      expect(ended.egressError).toEqual(expect.any(String));
      await lockReleased(roomKey, alice.db);
    },
    TEST_MS,
  );

  it(
    'ends a recording whose egress LiveKit forgot in a Redis restart',
    async () => {
      const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
      await stack.real.redis.restart();
      await alice.stop(roomUrl, recordingId);
      const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
      // Its file may or may not have been finished: uploaded with its bytes, or egress_lost.
      if (ended.status === 'uploaded') {
        await expectStoredAsOnDisk(storage().emulator, stack, roomKey, recordingId);
      } else {
        expect(ended.error).toMatchObject({ code: 'egress_lost' });
      }
      await lockReleased(roomKey, alice.db);
    },
    TEST_MS,
  );
});
