import type { BenchServers } from './bench-stack.js';
import type { Figure } from './figure.js';
import type { RecordingFiles } from './recording-files.js';

/** What every benchmark gets from the runner. */
export interface BenchContext {
  readonly servers: BenchServers;
  readonly files: RecordingFiles;
  /** `--quick`: smaller workloads, same number of runs, for a smoke check under two minutes. */
  readonly quick: boolean;
  /** How many times each figure is measured (5 unless --runs says more; 3 in --quick). */
  readonly runs: number;
  /** Progress for the operator, on stderr, so that `--json` stays clean on stdout. */
  log(line: string): void;
}

/** One measure of the issue: runs its figure and baseline side by side, `runs` times. */
export interface Benchmark {
  readonly name: string;
  run(context: BenchContext): Promise<Figure[]>;
}
