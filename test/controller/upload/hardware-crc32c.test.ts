import { CRC32C } from '@google-cloud/storage';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hardwareCrc32cGenerator } from '../../../controller/upload/hardware-crc32c.js';

describe('the hardware CRC32C given to the storage client', () => {
  it('agrees with the client’s own CRC32C over any sequence of chunks', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }), (chunks) => {
        const ours = hardwareCrc32cGenerator();
        const theirs = new CRC32C();
        for (const chunk of chunks) {
          ours.update(Buffer.from(chunk));
          theirs.update(Buffer.from(chunk));
        }
        expect(ours.toString()).toBe(theirs.toString());
        expect(ours.validate(theirs.toString())).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('encodes as Storage does, and refuses another value', () => {
    const crc = hardwareCrc32cGenerator();
    crc.update(Buffer.from('data'));
    // The value the storage client's documentation gives for 'data'.
    expect(crc.toString()).toBe('rth90Q==');
    expect(crc.validate('AAAAAA==')).toBe(false);
  });
});
