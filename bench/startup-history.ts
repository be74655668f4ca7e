/**
 * Start-up work of the file pipeline against a database with no history and with 100 000
 * finished recordings (issue 8): it reads the pending-upload index, never `recordings/`, so the
 * two must take about the same time. The RTDB emulator runs in this process (it only makes the
 * history case slower).
 *
 *   npx tsx bench/startup-history.ts [records, default 100000]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { type Database, getDatabase } from 'firebase-admin/database';
import { getStorage } from 'firebase-admin/storage';
import { pino } from 'pino';
import { DEFAULT_FILE_PIPELINE } from '../controller/controller.js';
import { RecordingFilePipeline } from '../controller/files/recording-file-pipeline.js';
import { RecordingStore } from '../controller/records/recording-store.js';
import { startRtdbEmulator } from '../emulators/rtdb/index.js';

const RECORDS = Number(process.argv[2] ?? 100_000);
const BATCH = 2_000;
const RUNS = 15;

async function writeHistory(db: Database, records: number): Promise<void> {
  for (let first = 0; first < records; first += BATCH) {
    const batch: Record<string, unknown> = {};
    for (let index = first; index < Math.min(records, first + BATCH); index++) {
      batch[`room-${index % 500}/-history${String(index).padStart(11, '0')}`] = {
        roomUrl: `https://app.example.com/room/${index % 500}`,
        requestedBy: 'user-with-a-realistic-uid-0123456789',
        requestedAt: 1_700_000_000_000 + index,
        status: 'uploaded',
        egressId: `EG_${String(index).padStart(12, '0')}`,
        storagePath: `recordings/room-${index % 500}/-history${index}.mp4`,
        downloadUrl: `https://firebasestorage.googleapis.com/v0/b/bench/o/${index}?alt=media&token=00000000-0000-0000-0000-000000000000`,
        sizeBytes: 123_456_789,
        durationMs: 3_600_000,
        updatedAt: 1_700_000_000_000 + index,
      };
    }
    await db.ref('recordings').update(batch);
  }
}

/** Median milliseconds of the pipeline's start() (directory scan + pending-upload index). */
async function medianStartMs(db: Database, outputDir: string): Promise<number> {
  const logger = pino({ level: 'silent' });
  const store = new RecordingStore(db, logger, 'bench');
  const bucket = getStorage().bucket('bench');
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const pipeline = new RecordingFilePipeline({
      store,
      bucket: () => bucket,
      logger,
      outputDir,
      deleteLocalAfterUpload: false,
      downloadUrlMode: 'token',
      retry: DEFAULT_FILE_PIPELINE.retry,
      progressIntervalMs: DEFAULT_FILE_PIPELINE.progressIntervalMs,
      reopenAfterMs: DEFAULT_FILE_PIPELINE.reopenAfterMs,
      scanIntervalMs: 3_600_000,
      controllerId: 'bench',
      missingFileAfterMs: DEFAULT_FILE_PIPELINE.missingFileAfterMs,
      watch: false,
      settleMs: DEFAULT_FILE_PIPELINE.settleMs,
    });
    const started = performance.now();
    await pipeline.start();
    times.push(performance.now() - started);
    await pipeline.stop();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

const rtdb = await startRtdbEmulator();
process.env.FIREBASE_DATABASE_EMULATOR_HOST = rtdb.host;
const outputDir = await mkdtemp(join(tmpdir(), 'startup-history-'));
const app = initializeApp({
  projectId: 'demo-bench',
  databaseURL: 'https://demo-bench.firebaseio.com',
  storageBucket: 'bench',
});
const db = getDatabase(app);
try {
  await db.ref('uploads/pending').get();
  await medianStartMs(db, outputDir); // warms up the connection and the JIT, not measured
  const empty = await medianStartMs(db, outputDir);
  await writeHistory(db, RECORDS);
  const history = await medianStartMs(db, outputDir);
  const fullRead = performance.now();
  await db.ref('recordings').get();
  const fullReadMs = performance.now() - fullRead;
  process.stdout.write(
    `start-up median of ${RUNS}: empty database ${empty.toFixed(1)} ms, ${RECORDS} historical records ${history.toFixed(1)} ms (ratio ${(history / empty).toFixed(2)}); one read of recordings/ (what start-up did before) ${fullReadMs.toFixed(0)} ms\n`,
  );
} finally {
  await deleteApp(app);
  await rtdb.stop();
  await rm(outputDir, { recursive: true, force: true });
}
