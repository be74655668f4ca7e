import type { CRC32CValidator, CRC32CValidatorGenerator } from '@google-cloud/storage';
import { crc32c } from '@node-rs/crc32';

/** Storage's encoding of a CRC32C: base64 of the big-endian 32-bit value. */
function encodeCrc32c(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

/**
 * A CRC32C for the storage client's upload validation, computed by `@node-rs/crc32` (SSE4.2 /
 * ARMv8 instructions). The client's own JavaScript class goes a byte at a time, about 90 MiB/s on
 * the VM's shared cores: slower than the upload it checks (bench/README.md, upload throughput).
 */
class HardwareCrc32c implements CRC32CValidator {
  private value = 0;

  update(data: Buffer): void {
    this.value = crc32c(data, this.value);
  }

  validate(expected: string): boolean {
    return expected === this.toString();
  }

  toString(): string {
    return encodeCrc32c(this.value);
  }
}

export const hardwareCrc32cGenerator: CRC32CValidatorGenerator = () => new HardwareCrc32c();
