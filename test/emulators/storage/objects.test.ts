import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  downloadBytes,
  randomContent,
  sha256,
  uniqueObjectName,
  useAdminBucket,
} from '../../support/storage-clients.js';

const bucket = useAdminBucket();

const statusOf = (error: unknown) =>
  (error as { code?: number; response?: { status?: number } }).code ??
  (error as { response?: { status?: number } }).response?.status;

async function saveObject(name: string, content: Buffer, metadata: Record<string, string> = {}) {
  const file = bucket().file(name);
  await file.save(content, { resumable: false, metadata: { contentType: 'video/mp4', metadata } });
  return file;
}

describe('multipart uploads and metadata', () => {
  it('stores a multipart upload with its content type and custom metadata', async () => {
    const content = randomContent(300 * 1024 + 7);
    const token = randomUUID();
    const file = await saveObject(uniqueObjectName('multipart'), content, {
      firebaseStorageDownloadTokens: token,
      room: 'room-1',
    });
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({
      size: String(content.length),
      contentType: 'video/mp4',
      metadata: { firebaseStorageDownloadTokens: token, room: 'room-1' },
    });
    expect(sha256(await downloadBytes(file))).toBe(sha256(content));
  });

  it('stores an empty object with the checksums of nothing', async () => {
    const file = await saveObject(uniqueObjectName('empty'), Buffer.alloc(0));
    const [metadata] = await file.getMetadata();
    expect(metadata).toMatchObject({
      size: '0',
      crc32c: 'AAAAAA==',
      md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==',
    });
    expect(await downloadBytes(file)).toEqual(Buffer.alloc(0));
  });

  it('merges custom metadata on setMetadata, deleting keys set to null', async () => {
    const file = await saveObject(uniqueObjectName('patch'), randomContent(10), {
      keep: 'yes',
      drop: 'soon',
    });
    await file.setMetadata({ cacheControl: 'no-store', metadata: { drop: null, added: 'new' } });
    const [metadata] = await file.getMetadata();
    expect(metadata.metadata).toEqual({ keep: 'yes', added: 'new' });
    expect(metadata.cacheControl).toBe('no-store');
    expect(metadata.metageneration).toBe('2');
  });

  it('reports a missing object as not existing, and its metadata as 404', async () => {
    const file = bucket().file(uniqueObjectName('missing'));
    expect(await file.exists()).toEqual([false]);
    const failure = await file.getMetadata().catch((error: unknown) => error);
    expect(statusOf(failure)).toBe(404);
  });
});

describe('listing', () => {
  it('lists the objects under a prefix, page by page, in name order', async () => {
    const prefix = `tests/${randomUUID()}/`;
    const names = ['a.mp4', 'b.mp4', 'c.mp4', 'd.mp4', 'e.mp4'].map((name) => prefix + name);
    await Promise.all(names.map((name) => saveObject(name, randomContent(5))));
    await saveObject(`${prefix.slice(0, -1)}-sibling.mp4`, randomContent(5));

    const seen: string[] = [];
    let query: { prefix: string; maxResults: number; autoPaginate: false; pageToken?: string } = {
      prefix,
      maxResults: 2,
      autoPaginate: false,
    };
    let pages = 0;
    for (;;) {
      const [files, nextQuery] = await bucket().getFiles(query);
      pages += 1;
      seen.push(...files.map((file) => file.name));
      if (nextQuery === null || nextQuery === undefined) break;
      query = nextQuery as typeof query;
    }
    expect(seen).toEqual(names);
    expect(pages).toBe(3);

    const [all] = await bucket().getFiles({ prefix });
    expect(all.map((file) => file.name)).toEqual(names);
  });

  it('groups deeper names into prefixes with a delimiter', async () => {
    const prefix = `tests/${randomUUID()}/`;
    await saveObject(`${prefix}top.mp4`, randomContent(1));
    await saveObject(`${prefix}room-1/a.mp4`, randomContent(1));
    await saveObject(`${prefix}room-1/b.mp4`, randomContent(1));
    await saveObject(`${prefix}room-2/a.mp4`, randomContent(1));
    const [files, , response] = await bucket().getFiles({
      prefix,
      delimiter: '/',
      autoPaginate: false,
    });
    expect(files.map((file) => file.name)).toEqual([`${prefix}top.mp4`]);
    expect((response as { prefixes?: string[] }).prefixes).toEqual([
      `${prefix}room-1/`,
      `${prefix}room-2/`,
    ]);
  });
});

describe('downloads', () => {
  it('serves the bytes at the mediaLink and the resource at the selfLink it reports', async () => {
    const content = randomContent(1000);
    const file = await saveObject(uniqueObjectName('links'), content);
    const [metadata] = await file.getMetadata();
    const media = await fetch(String(metadata.mediaLink));
    expect(Buffer.from(await media.arrayBuffer())).toEqual(content);
    const self = await fetch(String(metadata.selfLink));
    expect((await self.json()).md5Hash).toBe(metadata.md5Hash);
  });

  it('serves a byte range of an object', async () => {
    const content = randomContent(100_000);
    const file = await saveObject(uniqueObjectName('range'), content);
    const [part] = await file.download({ start: 1000, end: 50_999 });
    expect(part).toEqual(content.subarray(1000, 51_000));
  });
});

describe('delete and preconditions', () => {
  it('deletes an object, and a second delete is a 404 unless ignored', async () => {
    const file = await saveObject(uniqueObjectName('delete'), randomContent(10));
    await file.delete();
    expect(await file.exists()).toEqual([false]);
    expect(statusOf(await file.delete().catch((error: unknown) => error))).toBe(404);
    await file.delete({ ignoreNotFound: true });
  });

  it('refuses to create over an existing object with ifGenerationMatch 0 (412)', async () => {
    const name = uniqueObjectName('create-only');
    const original = randomContent(20);
    await saveObject(name, original);
    const failure = await bucket()
      .file(name)
      .save(randomContent(20), { preconditionOpts: { ifGenerationMatch: 0 } })
      .catch((error: unknown) => error);
    expect(statusOf(failure)).toBe(412);
    expect(await downloadBytes(bucket().file(name))).toEqual(original);
  });

  it('deletes only the generation named by ifGenerationMatch', async () => {
    const file = await saveObject(uniqueObjectName('generation'), randomContent(10));
    const [metadata] = await file.getMetadata();
    const generation = Number(metadata.generation);
    const stale = await file
      .delete({ ifGenerationMatch: generation - 1 })
      .catch((error: unknown) => error);
    expect(statusOf(stale)).toBe(412);
    await file.delete({ ifGenerationMatch: generation });
    expect(await file.exists()).toEqual([false]);
  });

  it('gives a rewritten object a new, higher generation', async () => {
    const name = uniqueObjectName('rewrite');
    const [first] = await (await saveObject(name, randomContent(10))).getMetadata();
    const [second] = await (await saveObject(name, randomContent(10))).getMetadata();
    expect(BigInt(second.generation ?? 0)).toBeGreaterThan(BigInt(first.generation ?? 0));
  });
});
