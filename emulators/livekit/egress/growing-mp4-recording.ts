import { FilePathTarget, Mp4OutputFormat, Output } from 'mediabunny';
import { truncateBeforeMoov } from './mp4-boxes.js';

/**
 * A recording in progress: an MP4 with its moov at the end, as egress writes it, that grows
 * with real time. A subclass adds its track and appends that track's frames.
 */
export abstract class GrowingMp4Recording {
  protected framesWritten = 0;
  private queue: Promise<void> = Promise.resolve();

  protected constructor(
    protected readonly output: Output,
    readonly filePath: string,
  ) {}

  /** An MP4 output to `filePath`, not started, for a subclass to add its track to. */
  protected static newOutput(filePath: string): Output {
    return new Output({
      format: new Mp4OutputFormat({ fastStart: false }),
      target: new FilePathTarget(filePath),
    });
  }

  /** Appends frames until the media is `elapsedMs` long (never shrinks). */
  writeUntil(elapsedMs: number): Promise<void> {
    this.queue = this.queue.then(() => this.appendFrames(elapsedMs));
    return this.queue;
  }

  /** Writes the frames up to `elapsedMs` and the index; `truncated` then cuts the index off. */
  async finish(elapsedMs: number, truncated: boolean): Promise<void> {
    await this.writeUntil(elapsedMs);
    await this.output.finalize();
    if (truncated) await truncateBeforeMoov(this.filePath);
  }

  /** Drops the recording; a file that already failed to write has nothing left to cancel. */
  async abandon(): Promise<void> {
    await this.queue.catch(() => undefined);
    if (this.output.state === 'started' || this.output.state === 'pending')
      await this.output.cancel();
  }

  /** Appends the frames from `framesWritten` up to `elapsedMs`; at least one. */
  protected abstract appendFrames(elapsedMs: number): Promise<void>;
}
