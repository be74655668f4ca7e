import { CRC32C } from '@google-cloud/storage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc32c } from '../../../emulators/storage/crc32c.js';

describe("the emulator's CRC32C", () => {
  it('agrees with the Storage client for any bytes, offsets and split points', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.nat(16),
        fc.nat(300),
        (bytes, offset, split) => {
          // An offset into a larger buffer, as Node hands out pooled chunks.
          const padded = new Uint8Array(bytes.length + offset);
          padded.set(bytes, offset);
          const data = padded.subarray(offset);
          const cut = Math.min(split, data.length);
          const ours = new Crc32c();
          ours.update(data.subarray(0, cut));
          ours.update(data.subarray(cut));
          const theirs = new CRC32C();
          theirs.update(Buffer.from(data));
          expect(ours.toString()).toBe(theirs.toString());
        },
      ),
    );
  });

  it('gives the published check value for "123456789"', () => {
    const crc = new Crc32c();
    crc.update(Buffer.from('123456789'));
    expect(Buffer.from(crc.toString(), 'base64').readUInt32BE()).toBe(0xe3069283);
  });
});
