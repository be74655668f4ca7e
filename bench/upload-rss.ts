/**
 * Controller RSS growth while uploading one recording (issue 8): the storage emulator runs in a
 * child process so that only the uploader's memory is measured here.
 *
 *   node --expose-gc --import tsx bench/upload-rss.ts [sizes in MiB, default 256 1024]
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getStorage } from 'firebase-admin/storage';
import { pino } from 'pino';
import { uploadRecording } from '../controller/upload/recording-upload.js';
import { writeSyntheticMp4 } from '../test/file-pipeline/synthetic-mp4.js';

const MIB = 1024 * 1024;
const sizes = process.argv.slice(2).map(Number);
const dir = await mkdtemp(join(tmpdir(), 'upload-rss-'));
const emulator = spawn(
  process.execPath,
  ['--import', 'tsx', 'emulators/cli.ts', 'storage', '--port', '0', '--dir', join(dir, 'storage')],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const host = await new Promise<string>((resolve) => {
  let out = '';
  emulator.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    const match = /storage ready on (\S+)/.exec(out);
    if (match?.[1] !== undefined) resolve(match[1]);
  });
});
process.env.FIREBASE_STORAGE_EMULATOR_HOST = host;
process.env.STORAGE_EMULATOR_HOST = `http://${host}`;
const app = initializeApp({ projectId: 'demo-bench', storageBucket: 'demo-bench.appspot.com' });
const bucket = getStorage(app).bucket();
const logger = pino({ level: 'silent' });

async function upload(path: string, size: number): Promise<void> {
  await uploadRecording({
    bucket,
    localPath: path,
    objectName: `recordings/bench/${randomUUID()}.mp4`,
    size,
    session: { token: randomUUID() },
    policy: { retries: 2, minTimeoutMs: 100, maxTimeoutMs: 1000, stallTimeoutMs: 60_000 },
    logger,
    signal: new AbortController().signal,
    onSession: async () => {},
    onProgress: () => {},
  });
}

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const warmup = join(dir, 'warmup.mp4');
await writeSyntheticMp4(warmup, 4 * MIB);
await upload(warmup, (await stat(warmup)).size);

for (const mib of sizes.length > 0 ? sizes : [256, 1024]) {
  const path = join(dir, `${mib}.mp4`);
  await writeSyntheticMp4(path, mib * MIB);
  const size = (await stat(path)).size;
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  await upload(path, size);
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(
    `${mib} MiB: RSS baseline ${(baseline / MIB).toFixed(1)} MiB, peak ${(peak / MIB).toFixed(1)} MiB, growth ${((peak - baseline) / MIB).toFixed(1)} MiB, ${(mib / seconds).toFixed(0)} MiB/s\n`,
  );
  await rm(path);
}

await deleteApp(app);
emulator.kill('SIGTERM');
await rm(dir, { recursive: true, force: true });
