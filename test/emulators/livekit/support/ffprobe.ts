import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Fails loudly (never skips) when ffprobe is missing: `.ci/run` installs Debian's ffmpeg. */
export async function requireFfprobe(): Promise<void> {
  try {
    await run('ffprobe', ['-version']);
  } catch (error) {
    throw new Error(
      `ffprobe is required for this test: apt-get install ffmpeg (${(error as Error).message})`,
    );
  }
}

/** The container duration ffprobe reads, in seconds; rejects with ffprobe's stderr when it cannot. */
export async function probeDurationS(filePath: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format=duration',
    '-of',
    'default=noprint_wrappers=1:nokey=1',
    filePath,
  ]);
  return Number(stdout.trim());
}

/** Decodes every frame; rejects when the file is not playable to the end. */
export async function decodeFully(filePath: string): Promise<void> {
  await run('ffmpeg', ['-v', 'error', '-xerror', '-i', filePath, '-f', 'null', '-']);
}
