import { type FSWatcher, watch } from 'chokidar';

export interface RecordingFileWatcherOptions {
  readonly outputDir: string;
  /** How long a file's size must stay the same before it counts as settled. */
  readonly settleMs: number;
  onSettled(path: string): void;
}

/**
 * Reports every `<roomKey>/<recordingId>.mp4` under the output directory once its size stops
 * changing, existing files included (a restart sees what egress finished while we were down).
 * Other files (egress manifests, our upload state) are not watched.
 */
export class RecordingFileWatcher {
  private watcher: FSWatcher | undefined;

  constructor(private readonly options: RecordingFileWatcherOptions) {}

  async start(): Promise<void> {
    const watcher = watch(this.options.outputDir, {
      depth: 1,
      ignored: (path, stats) => stats?.isFile() === true && !path.endsWith('.mp4'),
      awaitWriteFinish: { stabilityThreshold: this.options.settleMs, pollInterval: 100 },
    });
    watcher.on('add', (path) => this.options.onSettled(path));
    watcher.on('change', (path) => this.options.onSettled(path));
    this.watcher = watcher;
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
    this.watcher = undefined;
  }
}
