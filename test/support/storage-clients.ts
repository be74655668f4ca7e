import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getStorage, type Storage } from 'firebase-admin/storage';
import { afterAll, beforeAll, inject } from 'vitest';

// firebase-admin's types come from the CommonJS build of @google-cloud/storage; name them
// through it so both builds' declarations never meet.
export type Bucket = ReturnType<Storage['bucket']>;
export type File = ReturnType<Bucket['file']>;
export type CreateWriteStreamOptions = Parameters<File['createWriteStream']>[0];

export const testBucketName = () => `${inject('firebaseProjectId')}.appspot.com`;

/**
 * The default bucket through firebase-admin, as the controller gets it: an app of its own with
 * no credential (the emulated client sends none), the endpoint from the environment.
 */
export function adminBucket(): { bucket: Bucket; close(): Promise<void> } {
  const app = initializeApp(
    { projectId: inject('firebaseProjectId'), storageBucket: testBucketName() },
    `storage-test-${randomUUID()}`,
  );
  return { bucket: getStorage(app).bucket(), close: () => deleteApp(app) };
}

/** The default bucket through firebase-admin for this test file, its app deleted after it. */
export function useAdminBucket(): () => Bucket {
  let admin: { bucket: Bucket; close(): Promise<void> } | undefined;
  beforeAll(() => {
    admin = adminBucket();
  });
  afterAll(async () => {
    await admin?.close();
  });
  return () => {
    if (admin === undefined) throw new Error('the admin bucket is made in beforeAll');
    return admin.bucket;
  };
}

/** A name no other test uses, with a slash and a space as recording names have. */
export const uniqueObjectName = (label: string) => `tests/${randomUUID()}/${label} file.mp4`;

export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

export const randomContent = (size: number) => randomBytes(size);

/** Pipes `content` into `file.createWriteStream(options)`; resolves with the session URI seen. */
export async function writeThroughStream(
  file: File,
  content: Buffer,
  options: CreateWriteStreamOptions = {},
): Promise<{ uri: string | undefined }> {
  let uri: string | undefined;
  const stream = file.createWriteStream(options);
  stream.on('uri', (value: string) => {
    uri = value;
  });
  await pipeline(Readable.from(chunksOf(content, 64 * 1024)), stream);
  return { uri };
}

/** Like writeThroughStream, for uploads expected to fail: the error, and the session URI seen. */
export async function failedUpload(
  file: File,
  content: Buffer,
  options: CreateWriteStreamOptions = {},
): Promise<{ error: Error; uri: string | undefined }> {
  let uri: string | undefined;
  const stream = file.createWriteStream(options);
  stream.on('uri', (value: string) => {
    uri = value;
  });
  try {
    await pipeline(Readable.from(chunksOf(content, 64 * 1024)), stream);
  } catch (error) {
    return { error: error as Error, uri };
  }
  throw new Error('expected the upload to fail');
}

function* chunksOf(content: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < content.length; offset += size) {
    yield content.subarray(offset, offset + size);
  }
}

export async function downloadBytes(file: File): Promise<Buffer> {
  const [bytes] = await file.download();
  return bytes;
}
