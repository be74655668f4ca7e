import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { describeWithOurServers } from '../../support/local-servers.js';
import {
  downloadBytes,
  randomContent,
  sha256,
  uniqueObjectName,
  useAdminBucket,
  writeThroughStream,
} from '../../support/storage-clients.js';

const bucket = useAdminBucket();

const CHUNK = 256 * 1024;

describe('resumable uploads through firebase-admin', () => {
  it('stores a single-request upload with its bytes, checksums and download token', async () => {
    const content = randomContent(700 * 1024 + 13);
    const token = randomUUID();
    const file = bucket().file(uniqueObjectName('single'));
    const { uri } = await writeThroughStream(file, content, {
      metadata: { contentType: 'video/mp4', metadata: { firebaseStorageDownloadTokens: token } },
    });
    expect(uri).toMatch(/upload_id=/);
    const [metadata] = await file.getMetadata();
    expect(metadata.size).toBe(String(content.length));
    expect(metadata.contentType).toBe('video/mp4');
    expect(metadata.metadata?.firebaseStorageDownloadTokens).toBe(token);
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('validates the whole download against the checksums it was served with', async () => {
    const content = randomContent(CHUNK);
    const file = bucket().file(uniqueObjectName('validated'));
    await writeThroughStream(file, content, { validation: 'md5' });
    const [bytes] = await file.download({ validation: true });
    expect(bytes).toEqual(content);
  });
});

// The Firebase Storage emulator finalizes on every PUT (emulators/storage/README.md, "Where it
// differs from GCS"): chunked mode and resuming a session exist in our stand-in and in GCS only.
describeWithOurServers('chunked and resumed uploads', () => {
  it('stores a chunked upload (308 per chunk, the total on the last)', async () => {
    const content = randomContent(3 * CHUNK + 100);
    const file = bucket().file(uniqueObjectName('chunked'));
    await writeThroughStream(file, content, { chunkSize: CHUNK });
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('stores a chunked upload whose size was declared up front', async () => {
    const content = randomContent(2 * CHUNK);
    const file = bucket().file(uniqueObjectName('declared'));
    await writeThroughStream(file, content, {
      chunkSize: CHUNK,
      metadata: { contentLength: content.length },
    });
    const [metadata] = await file.getMetadata();
    expect(Number(metadata.size)).toBe(content.length);
  });

  it('resumes a session whose client died mid-upload, from the saved URI and byte 0', async () => {
    const content = randomContent(2 * 1024 * 1024);
    const token = randomUUID();
    const name = uniqueObjectName('client-died');
    const source = new PassThrough();
    const stream = bucket()
      .file(name)
      .createWriteStream({
        metadata: { metadata: { firebaseStorageDownloadTokens: token } },
      });
    const sessionStarted = new Promise<string>((resolve) => stream.once('uri', resolve));
    const progressed = new Promise((resolve) => stream.once('progress', resolve));
    source.pipe(stream);
    source.write(content.subarray(0, CHUNK));
    const uri = await sessionStarted;
    await progressed;
    const died = new Promise((resolve) => stream.once('error', resolve));
    stream.destroy(new Error('the process died'));
    await died;

    const file = bucket().file(name);
    expect(await file.exists()).toEqual([false]);
    await writeThroughStream(file, content, { uri });
    const [metadata] = await file.getMetadata();
    expect(metadata.metadata?.firebaseStorageDownloadTokens).toBe(token);
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('cancels a session with DELETE (499), after which its URI is unknown (404)', async () => {
    const file = bucket().file(uniqueObjectName('cancelled'));
    const [uri] = await file.createResumableUpload();
    expect((await fetch(uri, { method: 'DELETE' })).status).toBe(499);
    const status = await fetch(uri, {
      method: 'PUT',
      headers: { 'content-range': 'bytes */*' },
    });
    expect(status.status).toBe(404);
    expect((await status.json()).error.code).toBe(404);
  });

  it('answers a status query with the persisted range (308)', async () => {
    const [uri] = await bucket().file(uniqueObjectName('status')).createResumableUpload();
    const put = (headers: Record<string, string>, body?: Buffer) =>
      fetch(uri, {
        method: 'PUT',
        headers,
        ...(body === undefined ? {} : { body: new Uint8Array(body) }),
      });
    const empty = await put({ 'content-range': 'bytes */*' });
    expect(empty.status).toBe(308);
    expect(empty.headers.get('range')).toBeNull();
    const chunk = await put({ 'content-range': `bytes 0-${CHUNK - 1}/*` }, randomContent(CHUNK));
    expect(chunk.status).toBe(308);
    const status = await put({ 'content-range': 'bytes */*' });
    expect(status.headers.get('range')).toBe(`bytes=0-${CHUNK - 1}`);
  });
});
