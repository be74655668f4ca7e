import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMp4Completeness } from '../../../controller/files/mp4-completeness.js';
import { writeSyntheticMp4 } from '../../file-pipeline/synthetic-mp4.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp4-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readMp4Completeness', () => {
  it('finds the moov box after the media and reads the duration from mvhd', async () => {
    const path = join(dir, 'whole.mp4');
    await writeSyntheticMp4(path, 300_000, { durationMs: 4_321 });
    expect(await readMp4Completeness(path)).toEqual({ complete: true, durationMs: 4_321 });
  });

  it('calls a file without moov incomplete', async () => {
    const path = join(dir, 'no-moov.mp4');
    await writeSyntheticMp4(path, 300_000, { moov: false });
    expect(await readMp4Completeness(path)).toMatchObject({
      complete: false,
      reason: 'no moov box',
    });
  });

  it('calls a file cut in the middle of its media incomplete', async () => {
    const path = join(dir, 'cut.mp4');
    await writeSyntheticMp4(path, 300_000);
    await truncate(path, 100_000);
    expect(await readMp4Completeness(path)).toMatchObject({ complete: false });
  });

  it('calls a fast-start file cut inside the media after its moov incomplete', async () => {
    const path = join(dir, 'fast-start-cut.mp4');
    await writeSyntheticMp4(path, 300_000, { moovFirst: true });
    expect(await readMp4Completeness(path)).toMatchObject({ complete: true });
    await truncate(path, 100_000);
    expect(await readMp4Completeness(path)).toMatchObject({
      complete: false,
      reason: 'mdat box cut short',
    });
  });
});
