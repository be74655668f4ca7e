import { link, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { writeSyntheticMp4 } from '../../test/file-pipeline/synthetic-mp4.js';
import { MIB } from './process-memory.js';

/**
 * Finished recording files placed by the bench: an MP4 box layout as egress leaves it (moov
 * last) around random bytes, made once per size and hard-linked wherever a recording needs it,
 * so a 1 GiB recording costs 1 GiB of disk however many runs use it. Deleted at the end.
 */
export class RecordingFiles {
  private readonly made = new Map<number, Promise<string>>();

  private constructor(private readonly dir: string) {}

  static async create(): Promise<RecordingFiles> {
    return new RecordingFiles(await mkdtemp(join(tmpdir(), 'bench-files-')));
  }

  /** The path of a finished recording of `mib` MiB of payload (made on first use). */
  file(mib: number): Promise<string> {
    let path = this.made.get(mib);
    if (path === undefined) {
      const target = join(this.dir, `${mib}MiB.mp4`);
      path = writeSyntheticMp4(target, mib * MIB).then(() => target);
      this.made.set(mib, path);
    }
    return path;
  }

  /** Places the recording at `destination` (a hard link: instant, no extra disk). */
  async place(mib: number, destination: string): Promise<number> {
    const source = await this.file(mib);
    await mkdir(dirname(destination), { recursive: true });
    await link(source, destination);
    return (await stat(destination)).size;
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
