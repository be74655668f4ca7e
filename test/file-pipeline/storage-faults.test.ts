import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import {
  FAST_FILES,
  hasStatus,
  isSettled,
  recordBriefly,
  recordingFile,
  sha256OfFile,
  storedSha256,
} from './file-pipeline-support.js';

const storage = useOwnStorageEmulator();
let stack: RecordingStack;
let controller: RunningController;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
  controller = await stack.startController();
});

afterEach(() => {
  storage().emulator.faults.clear();
});

afterAll(async () => {
  await stack?.stop();
});

/** Records, waits for the end, and checks an uploaded record's object against the file. */
async function recordAndSettle(): Promise<{
  record: Record<string, unknown>;
  path: string;
  stored: () => Promise<string>;
}> {
  const { roomKey, recordingId, alice } = await recordBriefly(stack);
  const record = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled, 30_000);
  return {
    record,
    path: recordingFile(stack, roomKey, recordingId),
    stored: () => storedSha256(storage().emulator, roomKey, recordingId),
  };
}

describe('uploads through a broken wire end uploaded with the file’s exact bytes', () => {
  it.each([
    [
      'a burst of 503s',
      () => storage().emulator.faults.failNextRequests(3, 503, { only: ['upload-put'] }),
    ],
    ['a 429', () => storage().emulator.faults.failNextRequests(1, 429, { only: ['upload-start'] })],
    ['a connection reset mid-upload', () => storage().emulator.faults.resetUploadAfterBytes(2_000)],
    ['a lost final response', () => storage().emulator.faults.loseNextFinalResponse()],
    [
      'a wrong checksum (the client deletes the object)',
      () => storage().emulator.faults.corruptNextChecksum(),
    ],
    ['latency on every request', () => storage().emulator.faults.addLatency(200, { count: 6 })],
  ])('survives %s', async (_name, breakWire) => {
    breakWire();
    const { record, path, stored } = await recordAndSettle();
    expect(record.status).toBe('uploaded');
    expect(await stored()).toBe(await sha256OfFile(path));
    expect(storage().emulator.faults.fired.length).toBeGreaterThan(0);
    storage().emulator.faults.fired.length = 0;
  });

  it('goes on uploading when the upload state cannot be saved', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    // A directory where the state file's temporary copy goes: every save fails (EISDIR).
    const alice = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, true);
    const recordingId = await alice.start(roomUrl);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('recording'));
    const path = recordingFile(stack, roomKey, recordingId);
    await mkdir(path.replace(/\.mp4$/, '.upload.json.tmp'), { recursive: true });
    await alice.stop(roomUrl, recordingId);
    const record = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled, 30_000);
    expect(record.status).toBe('uploaded');
    expect(
      controller.log
        .entries()
        .some((entry) => String(entry.msg).startsWith('could not save the upload session')),
    ).toBe(true);
  });
});

describe('an upload that keeps failing', () => {
  it('fails upload_failed with the file kept, then succeeds on a later reconciliation', async () => {
    storage().emulator.faults.failNextRequests(1_000, 503, { only: ['upload-start'] });
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const failed = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('failed'),
      30_000,
    );
    expect(failed.error).toMatchObject({ code: 'upload_failed' });
    const path = recordingFile(stack, roomKey, recordingId);
    expect(existsSync(path)).toBe(true);
    storage().emulator.faults.clear();
    const uploaded = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('uploaded'),
      30_000,
    );
    expect(uploaded.error).toBeUndefined();
    expect(uploaded.sizeBytes).toBeGreaterThan(0);
  });

  it('finishes an upload whose local file is deleted mid-way, with the bytes it had', async () => {
    const stall = storage().emulator.faults.stallUploadAfterBytes(1_000);
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    await stall.reached;
    const path = recordingFile(stack, roomKey, recordingId);
    const before = await sha256OfFile(path);
    await rm(path);
    stall.release();
    const record = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled, 30_000);
    expect(record.status).toBe('uploaded');
    expect(await storedSha256(storage().emulator, roomKey, recordingId)).toBe(before);
  });

  it('abandons a silently stalled upload after the stall timeout and resumes it', async () => {
    const stall = storage().emulator.faults.stallUploadAfterBytes(1_000);
    const { record, path, stored } = await recordAndSettle();
    await stall.reached;
    expect(record.status).toBe('uploaded');
    expect(await stored()).toBe(await sha256OfFile(path));
    expect(
      controller.log
        .entries()
        .some((entry) => (entry.err as { code?: string } | undefined)?.code === 'upload_stalled'),
    ).toBe(true);
  });
});
