import { deleteApp } from 'firebase-admin/app';
import { getDatabase } from 'firebase-admin/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initializeFirebase } from '../../controller/firebase/firebase-app.js';
import { drainRecordings } from '../../deploy/drain-recordings.js';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';

let stack: RecordingStack;
let controller: RunningController;

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController();
});

afterAll(async () => {
  await stack?.stop();
});

describe('drainRecordings (before an upgrade)', () => {
  it('stops every active recording through the controller and returns once no room is held', async () => {
    const first = await stack.recordingInNewRoom();
    const second = await stack.recordingInNewRoom();
    const firebase = initializeFirebase(controller.config.firebase, `drain-${Date.now()}`);
    try {
      const outcome = await drainRecordings(getDatabase(firebase), { timeoutMs: 30_000 });
      expect(outcome.remaining).toBe(0);
      expect([...outcome.stopped].sort()).toEqual(
        [`${first.roomKey}/${first.recordingId}`, `${second.roomKey}/${second.recordingId}`].sort(),
      );
    } finally {
      await deleteApp(firebase);
    }
    // Stopped as their requesters would have: egress finished the files (processing, then on).
    for (const { alice, roomKey, recordingId } of [first, second]) {
      const record = await stack.waitForRecord(
        alice.db,
        roomKey,
        recordingId,
        hasStatus('processing'),
      );
      expect(record.stopRequestedBy).toBe(alice.uid);
      await stack.waitForLock(alice.db, roomKey, (lock) => lock === null);
    }
  }, 60_000);
});
