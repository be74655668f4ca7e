import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import {
  FAST_FILES,
  finishedRecording,
  sha256,
  sha256OfFile,
  storedSha256,
  waitForStatus,
} from './file-pipeline-support.js';
import { freeBox, writeSyntheticMp4 } from './synthetic-mp4.js';

const storage = useOwnStorageEmulator();
let stack: RecordingStack;
let controller: RunningController | undefined;

const MIB = 1024 * 1024;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
});

afterEach(async () => {
  storage().emulator.faults.clear();
  await controller?.stop();
  controller = undefined;
});

afterAll(async () => {
  await stack?.stop();
});

const hasLogLine = (recordingId: string, msg: string) =>
  controller?.log.entries().some((entry) => entry.msg === msg && entry.recordingId === recordingId);

describe('a recording file that keeps growing', () => {
  it('is uploaded whole once it stops growing, when the pipeline first sees it mid-write', async () => {
    const recording = await finishedRecording(stack, undefined);
    // A fast-start file: every prefix past its moov looks finished to a check of moov alone.
    const whole = join(stack.outputDir, `${recording.recordingId}.source`);
    await writeSyntheticMp4(whole, 3 * MIB, { moovFirst: true });
    const bytes = await readFile(whole);
    const piece = 64 * 1024;
    const out = await open(recording.path, 'w');
    let written = 0;
    const append = async (end: number) => {
      await out.write(bytes.subarray(written, end));
      written = end;
    };
    await append(piece);
    // A long settle time against a writer that appends every 20 ms: it never looks settled early.
    controller = await stack.startController({}, { ...FAST_FILES, settleMs: 2_000 });
    while (!hasLogLine(recording.recordingId, 'recording file is growing')) {
      if (written + piece >= bytes.length) throw new Error('the pipeline never saw the file grow');
      await append(written + piece);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await append(bytes.length);
    await out.close();
    const uploaded = await waitForStatus(recording, 'uploaded');
    expect(uploaded.sizeBytes).toBe(bytes.length);
    expect(await storedSha256(storage().emulator, recording.roomKey, recording.recordingId)).toBe(
      sha256(bytes),
    );
    await recording.close();
  });

  it('is uploaded again, whole, when it grows while its upload runs', async () => {
    const recording = await finishedRecording(stack, undefined);
    await writeSyntheticMp4(recording.path, 2 * MIB);
    const stall = storage().emulator.faults.stallUploadAfterBytes(1_000);
    controller = await stack.startController({}, FAST_FILES);
    await stall.reached;
    const out = await open(recording.path, 'a');
    await out.write(freeBox(512 * 1024));
    await out.close();
    stall.release();
    const uploaded = await waitForStatus(recording, 'uploaded');
    expect(uploaded.sizeBytes).toBe((await stat(recording.path)).size);
    expect(await storedSha256(storage().emulator, recording.roomKey, recording.recordingId)).toBe(
      await sha256OfFile(recording.path),
    );
    expect(
      hasLogLine(
        recording.recordingId,
        'recording file changed during its upload; the stale object is replaced',
      ),
    ).toBe(true);
    await recording.close();
  });
});
