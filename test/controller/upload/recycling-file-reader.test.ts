import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecyclingFileReader } from '../../../controller/upload/recycling-file-reader.js';

let dir: string;
let path: string;
const content = randomBytes(1_000_003);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'reader-'));
  path = join(dir, 'file.bin');
  await writeFile(path, content);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Reads everything, copying each chunk as it arrives and releasing as a consumer would. */
async function readAll(reader: RecyclingFileReader, release: boolean) {
  const copies: Buffer[] = [];
  const memory = new Set<ArrayBufferLike>();
  let passed = 0;
  for await (const chunk of reader) {
    const bytes = chunk as Buffer;
    memory.add(bytes.buffer);
    copies.push(Buffer.from(bytes));
    passed += bytes.length;
    if (release) reader.release(passed);
  }
  return { bytes: Buffer.concat(copies), buffers: memory.size };
}

describe('RecyclingFileReader', () => {
  it('reads exactly the byte range asked for', async () => {
    const reader = new RecyclingFileReader(path, { start: 10, end: 500_009, chunkBytes: 4096 });
    const { bytes } = await readAll(reader, false);
    expect(bytes.equals(content.subarray(10, 500_010))).toBe(true);
  });

  it('reuses a bounded set of buffers once the consumer has moved far enough past them', async () => {
    const reader = new RecyclingFileReader(path, {
      start: 0,
      end: content.length - 1,
      chunkBytes: 4096,
      recycleLagBytes: 16 * 4096,
    });
    const { bytes, buffers } = await readAll(reader, true);
    expect(bytes.equals(content)).toBe(true);
    // 245 chunks pass through no more than the lag's worth of buffers (and one in hand).
    expect(buffers).toBeLessThanOrEqual(18);
  });

  it('fails the stream when the file cannot be opened', async () => {
    const reader = new RecyclingFileReader(join(dir, 'missing.bin'), { start: 0, end: 10 });
    await expect(readAll(reader, true)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
