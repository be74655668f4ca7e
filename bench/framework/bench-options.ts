import { parseArgs } from 'node:util';

export interface BenchOptions {
  readonly quick: boolean;
  readonly json: boolean;
  readonly runs: number;
  /** Whether --runs was given (else --quick may run fewer than the full run's five). */
  readonly runsGiven: boolean;
  /** Benchmark names to run (all when empty). */
  readonly only: readonly string[];
}

export const MIN_RUNS = 5;

export const USAGE = `usage: npm run bench -- [--quick] [--json] [--runs <n ≥ ${MIN_RUNS}>] [--only <name>[,<name>…]]`;

/** Parses the command line (pure); throws with the usage on anything it does not know. */
export function parseBenchOptions(args: readonly string[]): BenchOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      runs: { type: 'string' },
      only: { type: 'string' },
    },
  });
  const runs = values.runs === undefined ? MIN_RUNS : Number(values.runs);
  if (!Number.isInteger(runs) || runs < MIN_RUNS) {
    throw new Error(`--runs must be a whole number of at least ${MIN_RUNS}\n${USAGE}`);
  }
  return {
    quick: values.quick,
    json: values.json,
    runs,
    runsGiven: values.runs !== undefined,
    only: (values.only ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  };
}
