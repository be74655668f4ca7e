import { enableLogging, type Reference } from 'firebase-admin/database';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { recordReadPaths } from '../support/database-reads.js';
import { RecordingStack } from '../support/recording-stack.js';
import { FAST_FILES, finishedRecording, NO_SCAN, waitForStatus } from './file-pipeline-support.js';

let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
});

afterEach(() => {
  enableLogging(false);
});

afterAll(async () => {
  await stack?.stop();
});

const MIB = 1024 * 1024;

/** Resolves once nothing is at `ref`, as an admin listener sees it. */
function untilGone(ref: Reference, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ref.off('value', listener);
      reject(new Error(`${ref.toString()} is still there`));
    }, timeoutMs);
    const listener = ref.on('value', (snapshot) => {
      if (snapshot.exists()) return;
      clearTimeout(timer);
      ref.off('value', listener);
      resolve();
    });
  });
}

describe('the pending-upload index', () => {
  it('holds a record while it is processing and lets it go once uploaded', async () => {
    const recording = await finishedRecording(stack, MIB);
    const entry = recording.db.ref(`uploads/pending/${recording.roomKey}/${recording.recordingId}`);
    expect((await entry.get()).val()).toMatchObject({ status: 'processing' });
    const controller = await stack.startController({}, FAST_FILES);
    await waitForStatus(recording, 'uploaded');
    // Removed after the record is final (the store's order), so it may go a moment later.
    await untilGone(entry);
    await controller.stop();
    await recording.close();
  });

  it('is what start-up reads: a pending record is driven on and the history is never read', async () => {
    const recording = await finishedRecording(stack, undefined);
    const history: Record<string, unknown> = {};
    for (let room = 0; room < 20; room++) {
      for (let index = 0; index < 50; index++) {
        history[`history-room-${room}/-history${String(room * 50 + index).padStart(11, '0')}`] = {
          roomUrl: `https://app.example.com/room/history-${room}`,
          requestedBy: 'alice',
          requestedAt: 1,
          status: 'uploaded',
        };
      }
    }
    await recording.db.ref('recordings').update(history);
    const reads = recordReadPaths();
    const controller = await stack.startController({}, { ...FAST_FILES, ...NO_SCAN });
    const failed = await waitForStatus(recording, 'failed');
    expect(failed.error).toMatchObject({ code: 'file_missing' });
    expect(reads).toContain('/uploads/pending');
    const tooWide = reads.filter(
      (path) => path === '/' || path === '/recordings' || /^\/recordings\/[^/]+$/.test(path),
    );
    expect(tooWide).toEqual([]);
    await controller.stop();
    await recording.close();
  });

  it('drops an entry a crash left behind after its record was final', async () => {
    const recording = await finishedRecording(stack, undefined);
    const record = recording.db.ref(`recordings/${recording.roomKey}/${recording.recordingId}`);
    // The store's order is record first, index last: this is a crash in between.
    await record.update({ status: 'uploaded' });
    const entry = recording.db.ref(`uploads/pending/${recording.roomKey}/${recording.recordingId}`);
    expect((await entry.get()).exists()).toBe(true);
    const controller = await stack.startController({}, FAST_FILES);
    await untilGone(entry);
    expect((await record.get()).val()).toMatchObject({ status: 'uploaded' });
    await controller.stop();
    await recording.close();
  });
});
