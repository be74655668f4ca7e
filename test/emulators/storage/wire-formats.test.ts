import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveByteRange } from '../../../emulators/storage/byte-range.js';
import { parseUploadContentRange } from '../../../emulators/storage/content-range.js';
import {
  multipartBoundary,
  parseMultipartRelated,
} from '../../../emulators/storage/multipart-related.js';

describe('upload Content-Range', () => {
  it.each([
    ['bytes */*', { kind: 'status', total: undefined }],
    ['bytes */42', { kind: 'status', total: 42 }],
    ['bytes 0-262143/*', { kind: 'bytes', first: 0, last: 262143, total: undefined }],
    ['bytes 262144-300000/300001', { kind: 'bytes', first: 262144, last: 300000, total: 300001 }],
    ['bytes 358406-*/*', { kind: 'bytes', first: 358406, last: undefined, total: undefined }],
    ['bytes 0-*/10', { kind: 'bytes', first: 0, last: undefined, total: 10 }],
  ])('reads %s', (header, expected) => {
    expect(parseUploadContentRange(header)).toEqual(expected);
  });

  it.each([
    'bytes 5-4/*',
    'bytes 0-10/10',
    'bytes 10-*/10',
    'bytes=0-1/*',
    'bytes 0-1',
    'bytes a-b/*',
    '',
  ])('rejects %j', (header) => {
    expect(parseUploadContentRange(header)).toBeUndefined();
  });
});

describe('download Range', () => {
  it.each([
    ['bytes=0-9', 100, { start: 0, end: 9 }],
    ['bytes=90-', 100, { start: 90, end: 99 }],
    ['bytes=-10', 100, { start: 90, end: 99 }],
    ['bytes=50-500', 100, { start: 50, end: 99 }],
    ['bytes=-500', 100, { start: 0, end: 99 }],
  ])('resolves %s of %i bytes', (header, size, expected) => {
    expect(resolveByteRange(header, size)).toEqual(expected);
  });

  it('calls a range past the end unsatisfiable', () => {
    expect(resolveByteRange('bytes=100-', 100)).toBe('unsatisfiable');
  });

  it('serves everything for no range, several ranges, or an empty object', () => {
    expect(resolveByteRange(undefined, 100)).toBeUndefined();
    expect(resolveByteRange('bytes=0-1,5-6', 100)).toBeUndefined();
    expect(resolveByteRange('bytes=0-1', 0)).toBeUndefined();
  });
});

describe('multipart/related bodies', () => {
  const boundary = 'b0undary-with-dashes';
  const bodyOf = (metadata: string, media: Buffer) =>
    Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Type: application/json\r\n\r\n${metadata}\r\n` +
          `--${boundary}\r\nContent-Type: video/mp4\r\n\r\n`,
      ),
      media,
      Buffer.from(`\r\n--${boundary}--`),
    ]);

  async function parse(chunks: Buffer[]) {
    let metadata = '';
    const media: Buffer[] = [];
    await parseMultipartRelated(
      (async function* () {
        yield* chunks;
      })(),
      boundary,
      {
        metadata: (json) => {
          metadata = json;
        },
        media: async (chunk) => {
          media.push(Buffer.from(chunk));
        },
      },
    );
    return { metadata, media: Buffer.concat(media) };
  }

  it('reads the boundary from the content type', () => {
    expect(multipartBoundary(`multipart/related; boundary=${boundary}`)).toBe(boundary);
    expect(multipartBoundary('multipart/related; boundary="quoted"')).toBe('quoted');
    expect(multipartBoundary('application/json')).toBeUndefined();
  });

  it('splits metadata and media however the body is chunked, even when media looks like a delimiter', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        async (bytes, cuts, withFakeDelimiter) => {
          const media = Buffer.concat([
            Buffer.from(bytes),
            withFakeDelimiter ? Buffer.from(`\r\n--${boundary.slice(0, -1)}`) : Buffer.alloc(0),
          ]);
          const body = bodyOf('{"name":"x"}', media);
          const points = [...new Set(cuts.map((cut) => cut % (body.length + 1)))].sort(
            (a, b) => a - b,
          );
          const chunks = [0, ...points, body.length]
            .slice(1)
            .map((end, index, ends) => body.subarray(index === 0 ? 0 : ends[index - 1], end));
          const parsed = await parse(chunks.filter((chunk) => chunk.length > 0));
          expect(parsed.metadata).toBe('{"name":"x"}');
          expect(parsed.media.equals(media)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
