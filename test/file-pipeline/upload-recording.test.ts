import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingStack } from '../support/recording-stack.js';
import {
  FAST_FILES,
  finishedRecording,
  hasStatus,
  isSettled,
  NO_SCAN,
  recordBriefly,
  recordingFile,
  sha256,
  sha256OfFile,
  uploadedLogLine,
  waitForStatus,
} from './file-pipeline-support.js';

let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
});

afterAll(async () => {
  await stack?.stop();
});

describe('a finished recording file', () => {
  it('goes processing → uploading → uploaded, and its download link returns exactly the file', async () => {
    const controller = await stack.startController();
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
    const uploaded = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
    seen.stop();
    expect(uploaded.status).toBe('uploaded');
    expect(seen.statuses.slice(-2)).toEqual(['uploading', 'uploaded']);
    const path = recordingFile(stack, roomKey, recordingId);
    expect(uploaded).toMatchObject({
      storagePath: `recordings/${roomKey}/${recordingId}.mp4`,
      sizeBytes: expect.any(Number),
      durationMs: expect.any(Number),
      downloadUrl: expect.stringContaining('token='),
    });
    const response = await fetch(String(uploaded.downloadUrl));
    expect(response.status).toBe(200);
    const downloaded = new Uint8Array(await response.arrayBuffer());
    expect(downloaded.byteLength).toBe(uploaded.sizeBytes);
    expect(sha256(downloaded)).toBe(await sha256OfFile(path));
    expect(existsSync(path)).toBe(true);
    await controller.stop();
  });

  it('is uploaded by the watcher alone when egress_ended is lost and no scan runs', async () => {
    const controller = await stack.startController({}, { ...FAST_FILES, ...NO_SCAN });
    stack.livekit.controls.webhooks.addFault({ kind: 'drop', event: 'egress_ended' });
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const uploaded = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
    expect(uploaded.status).toBe('uploaded');
    await expect
      .poll(() => uploadedLogLine(controller.log.entries(), recordingId)?.signal)
      .toBe('settled');
    await controller.stop();
  });

  it('is uploaded on egress_ended alone when the watcher is off and no scan runs', async () => {
    const controller = await stack.startController({}, { ...FAST_FILES, ...NO_SCAN, watch: false });
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const uploaded = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
    expect(uploaded.status).toBe('uploaded');
    await expect
      .poll(() => uploadedLogLine(controller.log.entries(), recordingId)?.signal)
      .toBe('egress_ended');
    await controller.stop();
  });

  it('fails file_incomplete without a moov box, and keeps the file', async () => {
    const controller = await stack.startController();
    stack.livekit.controls.egress.setTruncatedFiles(true);
    try {
      const { roomKey, recordingId, alice } = await recordBriefly(stack);
      const failed = await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('failed'));
      expect(failed.error).toMatchObject({ code: 'file_incomplete' });
      expect(existsSync(recordingFile(stack, roomKey, recordingId))).toBe(true);
    } finally {
      stack.livekit.controls.egress.setTruncatedFiles(false);
    }
    await controller.stop();
  });

  it('deletes the local file after upload when DELETE_LOCAL_AFTER_UPLOAD is on', async () => {
    const controller = await stack.startController({ DELETE_LOCAL_AFTER_UPLOAD: 'true' });
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const uploaded = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
    expect(uploaded.status).toBe('uploaded');
    const path = recordingFile(stack, roomKey, recordingId);
    await expect.poll(() => existsSync(path), { timeout: 10_000 }).toBe(false);
    expect(existsSync(path.replace(/\.mp4$/, '.upload.json'))).toBe(false);
    const response = await fetch(String(uploaded.downloadUrl));
    expect((await response.arrayBuffer()).byteLength).toBe(uploaded.sizeBytes);
    await controller.stop();
  });

  it('gives a V4 signed link that returns the file when DOWNLOAD_URL_MODE=signed', async () => {
    const controller = await stack.startController({ DOWNLOAD_URL_MODE: 'signed' });
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const uploaded = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
    expect(uploaded.status).toBe('uploaded');
    const url = new URL(String(uploaded.downloadUrl));
    expect(url.searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    const response = await fetch(url);
    expect(response.status).toBe(200);
    const downloaded = new Uint8Array(await response.arrayBuffer());
    expect(sha256(downloaded)).toBe(await sha256OfFile(recordingFile(stack, roomKey, recordingId)));
    await controller.stop();
  });
});

describe('an upload sidecar planted on the recordings volume', () => {
  it("is ignored when its session URI is not our bucket's: not one byte goes to that URI", async () => {
    const received: string[] = [];
    const foreign = createServer((request, response) => {
      received.push(`${request.method} ${request.url}`);
      request.resume();
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
    const { port } = foreign.address() as AddressInfo;
    const recording = await finishedRecording(stack, 256 * 1024);
    const sessionUri =
      `http://127.0.0.1:${port}/upload/storage/v1/b/elsewhere/o` +
      `?uploadType=resumable&name=stolen.mp4&upload_id=planted`;
    await writeFile(
      recording.path.replace(/\.mp4$/, '.upload.json'),
      JSON.stringify({ token: randomUUID(), sessionUri }),
    );
    const controller = await stack.startController();
    try {
      const uploaded = await waitForStatus(recording, 'uploaded');
      expect(uploaded.status).toBe('uploaded');
      const response = await fetch(String(uploaded.downloadUrl));
      expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(
        await sha256OfFile(recording.path),
      );
      expect(received).toEqual([]);
    } finally {
      await controller.stop();
      await recording.close();
      foreign.close();
    }
  });
});
