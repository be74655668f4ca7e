import { readdir, readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

/** What `.dockerignore` lets into the build context: its `!` lines, after a `*`. */
async function contextEntries(): Promise<string[]> {
  const ignore = (await readFile('.dockerignore', 'utf8')).split('\n');
  return ignore.filter((line) => line.startsWith('!')).map((line) => line.slice(1));
}

describe('the controller image', () => {
  it('takes no test tooling: no Go (the real LiveKit harness), no emulators, no tests', async () => {
    const entries = await contextEntries();
    expect(entries.filter((entry) => /^(emulators|test|bench|web)\b/.test(entry))).toEqual([]);
    const files: string[] = [];
    for (const entry of entries.filter((candidate) => candidate.endsWith('/'))) {
      files.push(...(await readdir(entry, { recursive: true })).map((name) => `${entry}${name}`));
    }
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => /\.go$|go\.(mod|sum)$/.test(file))).toEqual([]);
  });
});
