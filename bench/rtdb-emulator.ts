/**
 * Measures the RTDB emulator: small writes per second from one web-SDK client while 50 others
 * listen, and the server's resident memory holding 100 000 records of ~300 bytes.
 * Run: npx tsx bench/rtdb-emulator.ts
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { deleteApp, initializeApp } from 'firebase/app';
import {
  connectDatabaseEmulator,
  equalTo,
  getDatabase,
  onValue,
  orderByChild,
  query,
  ref,
  set,
} from 'firebase/database';
import { freePort } from '../emulators/harness/free-port.js';

const LISTENERS = 50;
const WRITES = 2_000;
const RECORDS = 100_000;
const BATCH = 1_000;

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulators/cli.ts', 'rtdb', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve();
    });
  });
  return child;
}

async function rssMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return kib / 1024;
}

/** CPU seconds (user + system) the process has used so far. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function writesPerSecond(port: number): Promise<{ sequential: number; pipelined: number }> {
  const apps = Array.from({ length: LISTENERS + 1 }, (_, i) =>
    initializeApp({ databaseURL: 'https://demo-bench.firebaseio.com' }, `bench-${i}`),
  );
  const databases = apps.map((app) => {
    const database = getDatabase(app);
    connectDatabaseEmulator(database, '127.0.0.1', port);
    return database;
  });
  const [writer, ...listeners] = databases as [
    ReturnType<typeof getDatabase>,
    ...ReturnType<typeof getDatabase>[],
  ];
  let lastSeen = 0;
  const target = WRITES * 2;
  const allSeen = new Promise<void>((resolve) => {
    let done = 0;
    for (const database of listeners) {
      onValue(ref(database, 'bench/value'), (snapshot) => {
        lastSeen = Math.max(lastSeen, Number(snapshot.val()));
        if (snapshot.val() === target && ++done === LISTENERS) resolve();
      });
    }
  });
  await set(ref(writer, 'bench/value'), 0);
  let started = performance.now();
  for (let i = 1; i <= WRITES; i++) await set(ref(writer, 'bench/value'), i);
  const sequential = WRITES / ((performance.now() - started) / 1000);
  started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = WRITES + 1; i <= target; i++) pending.push(set(ref(writer, 'bench/value'), i));
  await Promise.all(pending);
  await allSeen;
  const pipelined = WRITES / ((performance.now() - started) / 1000);
  await Promise.all(apps.map((app) => deleteApp(app)));
  return { sequential, pipelined };
}

async function memoryFor100kRecords(
  port: number,
  pid: number,
): Promise<{ before: number; after: number }> {
  const before = await rssMiB(pid);
  const text = 'x'.repeat(220);
  for (let start = 0; start < RECORDS; start += BATCH) {
    const batch: Record<string, unknown> = {};
    for (let i = start; i < start + BATCH; i++) {
      batch[`rec${String(i).padStart(6, '0')}`] = {
        owner: `user-${i % 97}`,
        status: 'done',
        at: 1_700_000_000_000 + i,
        text,
      };
    }
    const response = await fetch(`http://127.0.0.1:${port}/records.json?ns=demo-memory`, {
      method: 'PATCH',
      body: JSON.stringify(batch),
    });
    if (!response.ok) throw new Error(`PATCH failed: ${response.status}`);
  }
  const sample = JSON.stringify({ owner: 'user-1', status: 'done', at: 1_700_000_000_000, text });
  process.stdout.write(`record size: ${sample.length + 'rec000000'.length} bytes of JSON\n`);
  return { before, after: await rssMiB(pid) };
}

/** Writes into the 100 000-record collection while a client listens to a filtered query on it. */
async function writesBesideBigQuery(port: number): Promise<number> {
  const app = initializeApp({ databaseURL: 'https://demo-memory.firebaseio.com' }, 'big-query');
  const database = getDatabase(app);
  connectDatabaseEmulator(database, '127.0.0.1', port);
  const pending = query(ref(database, 'records'), orderByChild('status'), equalTo('pending'));
  await new Promise<void>((resolve) => {
    const stop = onValue(pending, () => {
      stop();
      resolve();
    });
  });
  const listening = onValue(pending, () => {});
  const started = performance.now();
  for (let i = 0; i < 500; i++) {
    await set(
      ref(database, `records/rec${String(i).padStart(6, '0')}/status`),
      i % 2 ? 'pending' : 'done',
    );
  }
  const rate = 500 / ((performance.now() - started) / 1000);
  listening();
  await deleteApp(app);
  return rate;
}

const port = await freePort();
const server = await startServer(port);
try {
  const cpuBefore = await cpuSeconds(server.pid as number);
  const rate = await writesPerSecond(port);
  const serverCpu = (await cpuSeconds(server.pid as number)) - cpuBefore;
  process.stdout.write(
    `server CPU for ${WRITES * 2} writes fanned out to ${LISTENERS} listeners (plus connects): ${serverCpu.toFixed(2)} s, ${((serverCpu / (WRITES * 2)) * 1e6).toFixed(0)} µs per write\n`,
  );
  process.stdout.write(
    `writes/s with ${LISTENERS} listeners: sequential (await each) ${rate.sequential.toFixed(0)}, pipelined ${rate.pipelined.toFixed(0)}\n`,
  );
  const memory = await memoryFor100kRecords(port, server.pid as number);
  process.stdout.write(
    `server RSS: ${memory.before.toFixed(0)} MiB idle, ${memory.after.toFixed(0)} MiB holding ${RECORDS} records\n`,
  );
  const besideQuery = await writesBesideBigQuery(port);
  process.stdout.write(
    `writes/s (await each) into those records under a listened equalTo query: ${besideQuery.toFixed(0)}\n`,
  );
} finally {
  server.kill('SIGTERM');
}
process.exit(0);
