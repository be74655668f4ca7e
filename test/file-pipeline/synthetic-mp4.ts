import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

const box = (type: string, body: Buffer) => {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
};

/** An mvhd (version 0) saying the movie lasts `durationMs` at a 1000 Hz timescale. */
function mvhd(durationMs: number): Buffer {
  const body = Buffer.alloc(100);
  body.writeUInt32BE(1000, 12);
  body.writeUInt32BE(durationMs, 16);
  return box('mvhd', body);
}

/** A top-level `free` box of `bytes` bytes in all: what a writer may append to a whole MP4. */
export const freeBox = (bytes: number) => box('free', Buffer.alloc(bytes - 8));

/**
 * Writes ftyp + an mdat of `payloadBytes` random bytes (written in 1 MiB pieces, so any size fits
 * in little memory) + moov: the box layout egress leaves (moov last), not a playable video. With
 * `moov: false`, the file a killed egress leaves; with `moovFirst`, a "fast start" file, whose
 * every prefix past the moov already holds a whole moov.
 */
export async function writeSyntheticMp4(
  path: string,
  payloadBytes: number,
  options: {
    readonly durationMs?: number;
    readonly moov?: boolean;
    readonly moovFirst?: boolean;
  } = {},
): Promise<void> {
  const out = createWriteStream(path);
  const write = async (chunk: Buffer) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(box('ftyp', Buffer.from('isom\0\0\x02\0isomiso2mp41', 'latin1')));
  const moov = box('moov', mvhd(options.durationMs ?? 1_000));
  if (options.moovFirst === true) await write(moov);
  const mdatHeader = Buffer.alloc(8);
  mdatHeader.writeUInt32BE(8 + payloadBytes, 0);
  mdatHeader.write('mdat', 4, 'latin1');
  await write(mdatHeader);
  const piece = randomBytes(1024 * 1024);
  for (let left = payloadBytes; left > 0; left -= piece.length) {
    await write(left >= piece.length ? randomBytes(piece.length) : piece.subarray(0, left));
  }
  if (options.moov !== false && options.moovFirst !== true) await write(moov);
  out.end();
  await once(out, 'close');
}
