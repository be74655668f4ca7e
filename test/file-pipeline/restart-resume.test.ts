import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../emulators/harness/free-port.js';
import {
  ChildProcesses,
  type ObservedProcess,
  spawnControllerFromSource,
} from '../support/controller-process.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack } from '../support/recording-stack.js';
import {
  FAST_FILES,
  finishedRecording,
  sha256OfFile,
  storedSha256,
  waitForStatus,
} from './file-pipeline-support.js';
import { writeSyntheticMp4 } from './synthetic-mp4.js';

const storage = useOwnStorageEmulator();
let stack: RecordingStack;
const children = new ChildProcesses();

beforeAll(async () => {
  stack = await RecordingStack.start();
});

afterAll(async () => {
  await children.killAll();
  await stack?.stop();
});

const MIB = 1024 * 1024;

/** The controller as a process of its own (run from source), so that it can be SIGKILLed. */
async function startControllerProcess(): Promise<ObservedProcess> {
  return children.track(spawnControllerFromSource(stack.controllerProcessEnv(await freePort())));
}

describe('a controller killed during an upload', () => {
  it('resumes the saved session after a restart, not from byte 0, and finishes', async () => {
    const emulator = storage().emulator;
    const recording = await finishedRecording(stack, 8 * MIB);
    const stall = emulator.faults.stallUploadAfterBytes(3 * MIB);
    const first = await startControllerProcess();
    await stall.reached;
    const state = JSON.parse(
      await readFile(recording.path.replace(/\.mp4$/, '.upload.json'), 'utf8'),
    );
    expect(state.sessionUri).toEqual(expect.any(String));
    first.child.kill('SIGKILL');
    await first.exited;
    stall.release();

    const second = await startControllerProcess();
    const uploaded = await waitForStatus(recording, 'uploaded');
    second.child.kill('SIGTERM');
    await second.exited;
    expect(await storedSha256(emulator, recording.roomKey, recording.recordingId)).toBe(
      await sha256OfFile(recording.path),
    );
    expect(uploaded.sizeBytes).toBe((await readFile(recording.path)).byteLength);
    const uploads = emulator.requests.filter((request) => request.kind.startsWith('upload'));
    expect(uploads.filter((request) => request.kind === 'upload-start')).toHaveLength(1);
    expect(uploads.some((request) => /^bytes [1-9]\d*-/.test(request.contentRange ?? ''))).toBe(
      true,
    );
    await recording.close();
  });
});

describe('start-up reconciliation', () => {
  it('fails a processing record whose file is gone with file_missing', async () => {
    const recording = await finishedRecording(stack, undefined);
    const controller = await stack.startController({}, FAST_FILES);
    const failed = await waitForStatus(recording, 'failed');
    expect(failed.error).toMatchObject({ code: 'file_missing' });
    await controller.stop();
    await recording.close();
  });

  it('uploads a file finished while no controller ran, and reports files without a record', async () => {
    const recording = await finishedRecording(stack, 2 * MIB);
    const orphan = join(stack.outputDir, 'some-room', `${'x'.repeat(20)}.mp4`);
    await mkdir(join(stack.outputDir, 'some-room'), { recursive: true });
    await writeSyntheticMp4(orphan, 1_000);
    const controller = await stack.startController({}, FAST_FILES);
    await waitForStatus(recording, 'uploaded');
    await expect
      .poll(() => controller.log.entries().some((entry) => entry.path === orphan))
      .toBe(true);
    expect(existsSync(orphan)).toBe(true);
    await controller.stop();
    await recording.close();
  });
});
