import { open } from 'node:fs/promises';

/** What the top-level boxes of an MP4 say about whether it was finished. */
export type Mp4Completeness =
  | { readonly complete: true; readonly durationMs: number | undefined }
  | { readonly complete: false; readonly reason: string };

const HEADER_BYTES = 16;

/**
 * Walks the top-level boxes of the file, reading headers only (memory stays flat whatever the
 * size). Egress writes `moov` when it finalises the file, so a file without a whole `moov` was cut
 * short and cannot be played; its `mvhd` gives the duration. Every box must be whole, the ones
 * after `moov` too: a "fast start" file cut inside its `mdat` has a `moov` and still misses data.
 */
export async function readMp4Completeness(path: string): Promise<Mp4Completeness> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(HEADER_BYTES);
    let offset = 0;
    let movie: { durationMs: number | undefined } | undefined;
    while (offset + 8 <= size) {
      const { bytesRead } = await file.read(header, 0, HEADER_BYTES, offset);
      if (bytesRead < 8) break;
      const type = header.toString('latin1', 4, 8);
      let boxSize = header.readUInt32BE(0);
      let headerSize = 8;
      if (boxSize === 1) {
        if (bytesRead < 16) return { complete: false, reason: 'truncated box header' };
        boxSize = Number(header.readBigUInt64BE(8));
        headerSize = 16;
      } else if (boxSize === 0) {
        boxSize = size - offset;
      }
      if (boxSize < headerSize) return { complete: false, reason: `malformed ${type} box` };
      if (offset + boxSize > size) return { complete: false, reason: `${type} box cut short` };
      if (type === 'moov') movie = { durationMs: await movieDurationMs(file, offset + headerSize) };
      offset += boxSize;
    }
    if (offset < size) return { complete: false, reason: 'truncated box header' };
    if (movie === undefined) return { complete: false, reason: 'no moov box' };
    return { complete: true, durationMs: movie.durationMs };
  } finally {
    await file.close();
  }
}

type FileHandle = Awaited<ReturnType<typeof open>>;

// mvhd is (in practice, always) the first child of moov: version, flags, then times and duration.
async function movieDurationMs(file: FileHandle, at: number): Promise<number | undefined> {
  const box = Buffer.alloc(40);
  const { bytesRead } = await file.read(box, 0, box.length, at);
  if (bytesRead < 32 || box.toString('latin1', 4, 8) !== 'mvhd') return undefined;
  const version = box.readUInt8(8);
  const timescale = version === 1 ? box.readUInt32BE(28) : box.readUInt32BE(20);
  const duration = version === 1 ? Number(box.readBigUInt64BE(32)) : box.readUInt32BE(24);
  if (timescale === 0) return undefined;
  return Math.round((duration / timescale) * 1000);
}
