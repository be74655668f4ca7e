import { type FileHandle, open } from 'node:fs/promises';
import { Readable } from 'node:stream';

export interface RecyclingFileReaderOptions {
  /** First byte to read. */
  readonly start: number;
  /** Last byte to read (inclusive), as `fs.createReadStream` takes it. */
  readonly end: number;
  readonly chunkBytes?: number;
  /**
   * How far behind the consumer's position a chunk must be before its buffer is reused. Every
   * holder after the upload client's progress point is bounded by backpressure to a few chunks,
   * and the client replays at most its last chunk (emulators/storage/README.md, "Resumable
   * uploads"), so this is ample.
   */
  readonly recycleLagBytes?: number;
}

const DEFAULT_CHUNK_BYTES = 64 * 1024;
const DEFAULT_RECYCLE_LAG_BYTES = 4 * 1024 * 1024;

/**
 * Reads a byte range of a file into a small set of buffers it reuses, instead of a fresh buffer
 * per chunk. `fs.createReadStream` allocates 64 KiB per read, and V8 collects those only once
 * tens of MiB of them have piled up outside its heap: that pile was the upload's RSS growth
 * (issue 8). The consumer says how far it got with `release`; buffers far enough behind that
 * point come back. A buffer never released (a resume that skips bytes) is simply forgotten and
 * left to the garbage collector, so memory stays bounded either way.
 */
export class RecyclingFileReader extends Readable {
  private handle: FileHandle | undefined;
  private position: number;
  private readonly end: number;
  private readonly chunkBytes: number;
  private readonly lagBytes: number;
  private readonly maxLent: number;
  private readonly free: Buffer[] = [];
  /** Buffers handed downstream, oldest first, with the file offset just past their bytes. */
  private readonly lent: { readonly buffer: Buffer; readonly end: number }[] = [];

  constructor(
    private readonly path: string,
    options: RecyclingFileReaderOptions,
  ) {
    const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    super({ highWaterMark: chunkBytes });
    this.position = options.start;
    this.end = options.end;
    this.chunkBytes = chunkBytes;
    this.lagBytes = options.recycleLagBytes ?? DEFAULT_RECYCLE_LAG_BYTES;
    this.maxLent = Math.ceil(this.lagBytes / this.chunkBytes) * 2;
  }

  /** The consumer has passed on every byte before `position` (a file offset). */
  release(position: number): void {
    while (this.lent.length > 0) {
      const oldest = this.lent[0];
      if (oldest === undefined || oldest.end + this.lagBytes > position) return;
      this.lent.shift();
      this.free.push(oldest.buffer);
    }
  }

  override _construct(callback: (error?: Error | null) => void): void {
    open(this.path, 'r').then(
      (handle) => {
        this.handle = handle;
        callback();
      },
      (error: Error) => callback(error),
    );
  }

  override _read(): void {
    const handle = this.handle;
    const length = Math.min(this.chunkBytes, this.end + 1 - this.position);
    if (handle === undefined || length <= 0) {
      this.push(null);
      return;
    }
    const buffer = this.free.pop() ?? Buffer.allocUnsafeSlow(this.chunkBytes);
    handle.read(buffer, 0, length, this.position).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) {
          this.free.push(buffer);
          this.push(null);
          return;
        }
        this.position += bytesRead;
        this.lent.push({ buffer, end: this.position });
        if (this.lent.length > this.maxLent) this.lent.shift();
        this.push(buffer.subarray(0, bytesRead));
      },
      (error: Error) => this.destroy(error),
    );
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const handle = this.handle;
    this.handle = undefined;
    this.free.length = 0;
    this.lent.length = 0;
    if (handle === undefined) {
      callback(error);
      return;
    }
    handle.close().then(
      () => callback(error),
      () => callback(error),
    );
  }
}
