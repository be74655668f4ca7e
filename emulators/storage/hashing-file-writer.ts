import { createHash, type Hash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { Crc32c } from './crc32c.js';

/** The checksums GCS reports for an object: base64 of the big-endian CRC32C and of the MD5 digest. */
export interface ObjectChecksums {
  readonly size: number;
  readonly crc32c: string;
  readonly md5Hash: string;
}

/**
 * Appends bytes to a file and hashes exactly what reached the disk, so an upload interrupted
 * mid-body leaves `size` and the checksums describing the persisted prefix, and a later request
 * of the same session can carry on from there.
 */
export class HashingFileWriter {
  private readonly crc32c = new Crc32c();
  private readonly md5: Hash = createHash('md5');
  private written = 0;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async create(path: string): Promise<HashingFileWriter> {
    return new HashingFileWriter(path, await open(path, 'wx'));
  }

  get size(): number {
    return this.written;
  }

  async append(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.file.write(chunk, offset, chunk.length - offset);
      offset += bytesWritten;
    }
    this.crc32c.update(chunk);
    this.md5.update(chunk);
    this.written += chunk.length;
  }

  /** The checksums of everything appended so far; the writer stays usable. */
  checksums(): ObjectChecksums {
    return {
      size: this.written,
      crc32c: this.crc32c.toString(),
      md5Hash: this.md5.copy().digest('base64'),
    };
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
