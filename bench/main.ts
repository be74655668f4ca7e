/**
 * `npm run bench [-- --quick] [-- --json]`: every benchmark against the local emulators, each
 * figure beside a baseline measured in the same run. Prints the table (or JSON) and exits
 * non-zero when a figure misses its goal. See bench/README.md.
 */
import { cpus, hostname } from 'node:os';
import { type BenchOptions, parseBenchOptions } from './framework/bench-options.js';
import { BenchServers } from './framework/bench-stack.js';
import type { Benchmark } from './framework/benchmark.js';
import { exitCodeOf, type FigureVerdict, judge } from './framework/figure.js';
import { RecordingFiles } from './framework/recording-files.js';
import { formatJson, formatTable } from './framework/report.js';
import { commandLatency } from './measures/command-latency.js';
import { concurrentRooms } from './measures/concurrent-rooms.js';
import { idleMemory } from './measures/idle-memory.js';
import { startupHistory } from './measures/startup-history.js';
import { stopToUploaded } from './measures/stop-to-uploaded.js';
import { uploadMemory } from './measures/upload-memory.js';
import { uploadThroughput } from './measures/upload-throughput.js';
import { webhookFloodMemory } from './measures/webhook-flood-memory.js';
import { webhookThroughput } from './measures/webhook-throughput.js';

const BENCHMARKS: readonly Benchmark[] = [
  idleMemory,
  startupHistory,
  commandLatency,
  webhookThroughput,
  webhookFloodMemory,
  uploadThroughput,
  uploadMemory,
  stopToUploaded,
  concurrentRooms,
];

/** `--quick` is a smoke check of the machinery under two minutes, not figures to quote. */
const QUICK_RUNS = 3;

const log = (line: string) => process.stderr.write(`${line}\n`);

async function runBench(options: BenchOptions): Promise<number> {
  const selected = BENCHMARKS.filter(
    (benchmark) => options.only.length === 0 || options.only.includes(benchmark.name),
  );
  const unknown = options.only.filter((name) => !BENCHMARKS.some((b) => b.name === name));
  if (unknown.length > 0) {
    log(
      `unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHMARKS.map((b) => b.name).join(', ')}`,
    );
    return 2;
  }
  const startedAt = new Date();
  const started = performance.now();
  const servers = await BenchServers.start();
  const files = await RecordingFiles.create();
  const verdicts: FigureVerdict[] = [];
  try {
    for (const benchmark of selected) {
      const benchStarted = performance.now();
      log(`${benchmark.name}…`);
      const figures = await benchmark.run({
        servers,
        files,
        quick: options.quick,
        runs: options.quick && options.runsGiven === false ? QUICK_RUNS : options.runs,
        log,
      });
      verdicts.push(...figures.map(judge));
      log(`${benchmark.name}: ${((performance.now() - benchStarted) / 1000).toFixed(0)} s`);
    }
  } finally {
    await files.remove();
    await servers.stop();
  }
  const report = {
    verdicts,
    mode: options.quick ? ('quick' as const) : ('full' as const),
    startedAt: startedAt.toISOString(),
    durationS: (performance.now() - started) / 1000,
    machine: `${hostname()}, ${cpus().length} cores, Node ${process.version}`,
  };
  process.stdout.write(`${options.json ? formatJson(report) : formatTable(report)}\n`);
  return exitCodeOf(verdicts);
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (error) {
  log((error as Error).message);
  process.exit(2);
}
process.exitCode = await runBench(options);
// Firebase clients and keep-alive sockets would hold the process open; the report is out.
process.exit();
