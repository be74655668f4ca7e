import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  adminBucket,
  type Bucket,
  downloadBytes,
  randomContent,
  sha256,
  uniqueObjectName,
  writeThroughStream,
} from '../../support/storage-clients.js';

let bucket: Bucket;
let close: () => Promise<void>;

beforeAll(() => {
  ({ bucket, close } = adminBucket());
});

afterAll(async () => {
  await close();
});

describe('resumable uploads through firebase-admin', () => {
  it('stores a single-request upload with its bytes, checksums and download token', async () => {
    const content = randomContent(700 * 1024 + 13);
    const token = randomUUID();
    const file = bucket.file(uniqueObjectName('single'));
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
});
