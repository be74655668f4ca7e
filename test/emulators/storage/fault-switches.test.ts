import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';
import { afterEach, expect, it } from 'vitest';
import { describeWithOurServers } from '../../support/local-servers.js';
import { useOwnStorageEmulator } from '../../support/own-storage-emulator.js';
import {
  downloadBytes,
  failedUpload,
  randomContent,
  sha256,
  uniqueObjectName,
  writeThroughStream,
} from '../../support/storage-clients.js';

const own = useOwnStorageEmulator();

afterEach(() => {
  own().emulator.faults.clear();
});

const CHUNK = 256 * 1024;
const createOnly = { preconditionOpts: { ifGenerationMatch: 0 } };

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the operation to fail');
    },
    (error: unknown) => error as Error & { code?: unknown; response?: { status?: number } },
  );

/** The upload PUTs the emulator saw since `from`, as `Content-Range → status`. */
const uploadPutsSince = (from: number) =>
  own()
    .emulator.requests.slice(from)
    .filter((request) => request.kind === 'upload-put')
    .map((request) => `${request.contentRange} → ${request.status}`);

// A saved session URI and the whole file from byte 0: how the controller resumes
// (docs/architecture.md, "Files and upload").
async function resumeFromSavedUri(name: string, content: Buffer, uri: string) {
  const file = own().bucket.file(name);
  await writeThroughStream(file, content, { uri });
  return file;
}

describeWithOurServers('fault switches, as the real client experiences them', () => {
  it('a 503 on a chunk fails an upload that has no precondition, with no retry', async () => {
    const { bucket, emulator } = own();
    emulator.faults.failNextRequests(1, 503, { only: ['upload-put'] });
    const file = bucket.file(uniqueObjectName('503-no-precondition'));
    const error = await failureOf(
      writeThroughStream(file, randomContent(4 * CHUNK), { chunkSize: CHUNK }),
    );
    expect(error.message).toMatch(/Retry limit exceeded - status: 503/);
    expect(await file.exists()).toEqual([false]);
  });

  it('a 503 after part of a chunk is recovered from the persisted offset under ifGenerationMatch', async () => {
    const { bucket, emulator } = own();
    const from = emulator.requests.length;
    emulator.faults.failNextRequests(1, 503, { only: ['upload-put'], afterBytes: 100_000 });
    const content = randomContent(4 * CHUNK + 5);
    const file = bucket.file(uniqueObjectName('503-recovered'));
    await writeThroughStream(file, content, { chunkSize: CHUNK, ...createOnly });
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
    expect(uploadPutsSince(from).slice(0, 3)).toEqual([
      'bytes 0-262143/* → 503',
      'bytes */* → 308',
      'bytes 100000-362143/* → 308',
    ]);
  });

  it('a metadata read failing with 503 is retried by the client until it succeeds', async () => {
    const { bucket, emulator } = own();
    const file = bucket.file(uniqueObjectName('503-get'));
    await file.save(randomContent(10));
    const from = emulator.requests.length;
    emulator.faults.failNextRequests(1, 503, { only: ['object-metadata'] });
    const [metadata] = await file.getMetadata();
    expect(metadata.size).toBe('10');
    const reads = emulator.requests.slice(from).map((request) => request.status);
    expect(reads).toEqual([503, 200]);
  });

  it('a reset mid-stream fails a single-request upload; a new stream on the saved URI completes it', async () => {
    const { bucket, emulator } = own();
    const content = randomContent(1024 * 1024 + 17);
    const token = randomUUID();
    const name = uniqueObjectName('reset-resume');
    emulator.faults.resetUploadAfterBytes(300_000);
    const file = bucket.file(name);
    const { error, uri } = await failedUpload(file, content, {
      metadata: { contentType: 'video/mp4', metadata: { firebaseStorageDownloadTokens: token } },
    });
    expect(error.message).toMatch(/Retry limit exceeded|ECONNRESET|socket hang up/);
    expect(uri).toBeDefined();

    const from = emulator.requests.length;
    await resumeFromSavedUri(name, content, uri ?? '');
    expect(uploadPutsSince(from)).toEqual(['bytes */* → 308', 'bytes 300000-*/* → 200']);
    const [metadata] = await file.getMetadata();
    expect(metadata.metadata?.firebaseStorageDownloadTokens).toBe(token);
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('a reset in chunked mode under ifGenerationMatch is recovered by the client by itself', async () => {
    const { bucket, emulator } = own();
    emulator.faults.resetUploadAfterBytes(1000);
    const from = emulator.requests.length;
    const content = randomContent(4 * CHUNK);
    const file = bucket.file(uniqueObjectName('reset-chunked'));
    await writeThroughStream(file, content, { chunkSize: CHUNK, ...createOnly });
    expect(uploadPutsSince(from).slice(0, 3)).toEqual([
      'bytes 0-262143/* → connection-dropped',
      'bytes */* → 308',
      'bytes 1000-263143/* → 308',
    ]);
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('a reset in single-request mode under ifGenerationMatch stops the client: it cannot replay', async () => {
    const { bucket, emulator } = own();
    emulator.faults.resetUploadAfterBytes(300_000);
    const file = bucket.file(uniqueObjectName('reset-single'));
    const error = await failureOf(writeThroughStream(file, randomContent(1024 * 1024), createOnly));
    expect(error).toBeInstanceOf(RangeError);
    expect(error.message).toMatch(/The server has 300000 bytes/);
  });

  it('a lost final response fails the upload, yet the object is stored whole with its token', async () => {
    const { bucket, emulator } = own();
    emulator.faults.loseNextFinalResponse();
    const content = randomContent(512 * 1024 + 1);
    const token = randomUUID();
    const file = bucket.file(uniqueObjectName('lost-final'));
    await failureOf(
      writeThroughStream(file, content, {
        metadata: { metadata: { firebaseStorageDownloadTokens: token } },
      }),
    );
    const [metadata] = await file.getMetadata();
    expect(metadata.metadata?.firebaseStorageDownloadTokens).toBe(token);
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('resuming a session whose final answer was lost re-sends the whole file, and succeeds', async () => {
    const { bucket, emulator } = own();
    emulator.faults.loseNextFinalResponse();
    const content = randomContent(300_000);
    const name = uniqueObjectName('lost-final-resume');
    const { uri } = await failedUpload(bucket.file(name), content);
    const from = emulator.requests.length;
    await writeThroughStream(bucket.file(name), content, { uri });
    // A 200 status query makes the client start over at byte 0, bandwidth wasted
    // (emulators/storage/README.md, "Resumable uploads").
    expect(uploadPutsSince(from)).toEqual(['bytes */* → 200', 'bytes 0-*/* → 200']);
    expect(sha256(await downloadBytes(bucket.file(name)))).toBe(sha256(content));
  });

  it('a lost final response under ifGenerationMatch: the status query finds it done and the client gives up', async () => {
    const { bucket, emulator } = own();
    emulator.faults.loseNextFinalResponse();
    const from = emulator.requests.length;
    const file = bucket.file(uniqueObjectName('lost-final-precondition'));
    const error = await failureOf(writeThroughStream(file, randomContent(512 * 1024), createOnly));
    expect(error).toBeInstanceOf(RangeError);
    expect(uploadPutsSince(from)).toEqual(['bytes 0-*/* → connection-dropped', 'bytes */* → 200']);
    expect(await file.exists()).toEqual([true]);
  });

  it('a wrong checksum in the answer makes the client delete the object (FILE_NO_UPLOAD)', async () => {
    const { bucket, emulator } = own();
    emulator.faults.corruptNextChecksum();
    const file = bucket.file(uniqueObjectName('corrupt'));
    const error = await failureOf(writeThroughStream(file, randomContent(1000)));
    expect(error.code).toBe('FILE_NO_UPLOAD');
    expect(await file.exists()).toEqual([false]);
  });

  it('latency past the client timeout is retried once, and on every attempt becomes a timeout', async () => {
    const { bucket, emulator } = own();
    const name = uniqueObjectName('latency');
    await bucket.file(name).save(randomContent(10));
    const impatient = new Storage({ timeout: 1000, retryOptions: { maxRetries: 1 } });
    const file = impatient.bucket(bucket.name).file(name);

    emulator.faults.addLatency(4000, { count: 1, only: ['object-metadata'] });
    const [metadata] = await file.getMetadata();
    expect(metadata.size).toBe('10');

    emulator.faults.addLatency(4000, { count: 2, only: ['object-metadata'] });
    const error = await failureOf(file.getMetadata());
    expect(error.message).toMatch(/network timeout/);
  });

  it('latency on an upload stalls it without failing: resumable uploads have no timeout', async () => {
    const { bucket, emulator } = own();
    const from = emulator.requests.length;
    emulator.faults.addLatency(1000, { count: 1, only: ['upload-put'] });
    const content = randomContent(100_000);
    const file = bucket.file(uniqueObjectName('latency-upload'));
    await writeThroughStream(file, content);
    expect(uploadPutsSince(from)).toEqual(['bytes 0-*/* → 200']);
    expect(emulator.faults.fired.at(-1)).toEqual({ fault: 'latency', kind: 'upload-put' });
  });

  it('a stalled upload holds the bytes it has until released, then completes', async () => {
    const { bucket, emulator } = own();
    const stall = emulator.faults.stallUploadAfterBytes(100_000);
    const content = randomContent(1024 * 1024);
    const file = bucket.file(uniqueObjectName('stalled'));
    const upload = writeThroughStream(file, content, {
      metadata: { contentLength: content.length },
    });
    await stall.reached;
    stall.release();
    await upload;
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('a client that gives up on a stalled upload resumes from its saved URI (declared size)', async () => {
    const { bucket, emulator } = own();
    const stall = emulator.faults.stallUploadAfterBytes(300_000);
    const content = randomContent(1024 * 1024);
    const token = randomUUID();
    const name = uniqueObjectName('stalled-resume');
    const options = {
      metadata: {
        contentType: 'video/mp4',
        contentLength: content.length,
        metadata: { firebaseStorageDownloadTokens: token },
      },
    };
    const stream = bucket.file(name).createWriteStream(options);
    const sessionUri = new Promise<string>((resolve) => stream.once('uri', resolve));
    const abandoned = pipeline(Readable.from([content]), stream).catch((error: unknown) => error);
    await stall.reached;
    // What a progress watchdog does: give up on the stream.
    stream.destroy(new Error('upload stalled'));
    await abandoned;

    const from = emulator.requests.length;
    const file = bucket.file(name);
    await writeThroughStream(file, content, { ...options, uri: await sessionUri });
    expect(uploadPutsSince(from)).toEqual([
      'bytes */* → 308',
      `bytes 300000-*/${content.length} → 200`,
    ]);
    const [metadata] = await file.getMetadata();
    expect(metadata.metadata?.firebaseStorageDownloadTokens).toBe(token);
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('an expired session answers 404 to a resume', async () => {
    const { bucket, emulator } = own();
    const name = uniqueObjectName('expired');
    emulator.faults.resetUploadAfterBytes(1000);
    const content = randomContent(100_000);
    const { uri = '' } = await failedUpload(bucket.file(name), content);
    await emulator.expireUploadSession(uri);
    const error = await failureOf(resumeFromSavedUri(name, content, uri));
    expect(error.response?.status ?? error.code).toBe(404);
  });
});
