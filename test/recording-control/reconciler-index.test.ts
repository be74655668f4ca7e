import { enableLogging } from 'firebase-admin/database';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { adminDatabase } from '../reliability/recording-guarantees.js';
import { recordReadPaths } from '../support/database-reads.js';
import { RecordingStack } from '../support/recording-stack.js';

let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start();
});

afterEach(() => {
  enableLogging(false);
});

afterAll(async () => {
  await stack?.stop();
});

describe('the reconciler', () => {
  it('finds active recordings in the room-hold index, never by reading rooms/ and its members', async () => {
    // The history of rooms: 40 rooms ever joined, 25 members each, none recording now.
    const admin = adminDatabase(stack);
    const history: Record<string, unknown> = {};
    for (let room = 0; room < 40; room++) {
      for (let member = 0; member < 25; member++) {
        history[`history-room-${room}/members/user-${member}`] = { joinedAt: 1 };
      }
    }
    await admin.db.ref('rooms').update(history);
    const reads = recordReadPaths();
    const controller = await stack.startController();
    // Every webhook lost: only the reconciler can see the recording start and end.
    stack.livekit.controls.webhooks.setUrl(undefined);
    try {
      const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
      await alice.stop(roomUrl, recordingId);
      await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('processing'));
      expect(reads).toContain('/locks/held');
      expect(reads.filter((path) => path === '/' || path === '/rooms')).toEqual([]);
      await stack.waitForLock(alice.db, roomKey, (lock) => lock === null);
      await expect
        .poll(async () => (await admin.db.ref(`locks/held/${roomKey}`).get()).exists())
        .toBe(false);
    } finally {
      await controller.stop();
      await admin.close();
    }
  });
});
