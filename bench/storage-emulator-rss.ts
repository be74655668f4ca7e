/**
 * Peak RSS of the storage emulator while the real @google-cloud/storage client uploads and then
 * downloads one large generated object (default 2 GiB) through it.
 *
 *   npx tsx bench/storage-emulator-rss.ts [sizeMiB]
 *
 * The emulator runs as its own process (the CLI), so its RSS is measured alone; the bytes are
 * generated on the fly and the data directory is removed afterwards.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';
import { freePort } from '../emulators/harness/free-port.js';

const MiB = 1024 * 1024;
const sizeBytes = Number(process.argv[2] ?? 2048) * MiB;

/** Random-looking bytes, 1 MiB at a time (each block numbered), never the whole object in memory. */
function generatedContent(size: number): Readable {
  const pattern = randomBytes(MiB);
  let produced = 0;
  return new Readable({
    read() {
      if (produced >= size) {
        this.push(null);
        return;
      }
      const block = Buffer.from(pattern.subarray(0, Math.min(MiB, size - produced)));
      block.writeUInt32BE(produced / MiB, 0);
      produced += block.length;
      this.push(block);
    },
  });
}

async function rssOf(pid: number): Promise<{ rss: number; hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, hwm: kib('VmHWM') / 1024 };
}

async function main() {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'storage-rss-'));
  const tsx = join(import.meta.dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs');
  const server = spawn(
    process.execPath,
    [tsx, 'emulators/cli.ts', 'storage', '--port', String(port), '--dir', dir],
    { cwd: join(import.meta.dirname, '..'), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => {
    server.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready on')) resolve();
    });
  });
  // tsx runs the server in a child of its own: measure that process, not the tsx wrapper.
  const children = await readFile(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8');
  const pid = Number(children.trim().split(/\s+/)[0]);
  const baseline = await rssOf(pid);
  let peak = baseline.rss;
  const sampler = setInterval(() => {
    void rssOf(pid).then(({ rss }) => {
      peak = Math.max(peak, rss);
    });
  }, 20);

  process.env.STORAGE_EMULATOR_HOST = `http://127.0.0.1:${port}`;
  const file = new Storage().bucket('rss-bench').file('big.mp4');
  const started = Date.now();
  await pipeline(generatedContent(sizeBytes), file.createWriteStream({ validation: 'crc32c' }));
  const uploaded = { seconds: (Date.now() - started) / 1000, peak };

  peak = (await rssOf(pid)).rss;
  const downloadStarted = Date.now();
  let received = 0;
  await pipeline(
    file.createReadStream({ validation: 'crc32c' }),
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        done();
      },
    }),
  );
  const downloaded = { seconds: (Date.now() - downloadStarted) / 1000, peak };
  clearInterval(sampler);
  const { hwm } = await rssOf(pid);
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });

  const mib = (value: number) => `${value.toFixed(1)} MiB`;
  process.stdout.write(
    [
      `object: ${sizeBytes / MiB} MiB (received back ${received / MiB} MiB, CRC32C validated)`,
      `emulator RSS at start: ${mib(baseline.rss)}`,
      `upload:   ${uploaded.seconds.toFixed(1)} s, peak RSS ${mib(uploaded.peak)} (+${mib(uploaded.peak - baseline.rss)})`,
      `download: ${downloaded.seconds.toFixed(1)} s, peak RSS ${mib(downloaded.peak)} (+${mib(downloaded.peak - baseline.rss)})`,
      `VmHWM (kernel high-water mark): ${mib(hwm)}`,
      '',
    ].join('\n'),
  );
}

await main();
