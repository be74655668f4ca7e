/**
 * What a benchmark measures and how it is judged (pure: no I/O). A figure is measured at least
 * five times, each run beside its baseline, so a noisy machine slows both alike: the verdict is
 * on the median of the per-run comparisons, never on a raw time.
 */

/** How a figure is compared with its baseline, and the bound it must stay within. */
export type Goal =
  /** figure / baseline ≥ value (throughputs). */
  | { readonly kind: 'ratio_at_least'; readonly value: number }
  /** figure / baseline ≤ value (latencies, start-up cost). */
  | { readonly kind: 'ratio_at_most'; readonly value: number }
  /** low ≤ figure / baseline ≤ high (two quantities that must agree). */
  | { readonly kind: 'ratio_within'; readonly low: number; readonly high: number }
  /** figure − baseline ≤ value, in the figure's unit (overheads, memory growth). */
  | { readonly kind: 'difference_at_most'; readonly value: number }
  /** figure ≤ value, no baseline (an absolute budget). */
  | { readonly kind: 'at_most'; readonly value: number }
  /**
   * No bound: shown beside the judged figures so that nothing measured is lost, never failed.
   * `ratio` compares it with its baseline run by run; `none` has no baseline.
   */
  | { readonly kind: 'reported'; readonly comparison: 'ratio' | 'none' };

/** One measured figure: `samples[i]` and `baseline[i]` were measured in the same run. */
export interface Figure {
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly number[];
  /** Absent only for `at_most` goals and figures reported with no comparison. */
  readonly baseline?: readonly number[];
  readonly baselineName?: string;
  readonly goal: Goal;
  /** What a reader needs to interpret the number (sizes, counts, who placed the file). */
  readonly note?: string;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface FigureVerdict {
  readonly figure: Figure;
  readonly value: Spread;
  readonly baseline: Spread | undefined;
  /** The per-run comparison (ratio or difference; the figure itself when it has no baseline). */
  readonly comparison: Spread;
  /** Whether the figure meets its goal; a `reported` figure has none to miss. */
  readonly pass: boolean;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The value at or below which `fraction` of the values lie (nearest rank). */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(fraction * sorted.length)));
  return sorted[rank - 1] as number;
}

export function spread(values: readonly number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function comparisons(figure: Figure): number[] {
  const { goal, samples, baseline } = figure;
  if (goal.kind === 'at_most' || (goal.kind === 'reported' && goal.comparison === 'none')) {
    return [...samples];
  }
  if (baseline === undefined || baseline.length !== samples.length) {
    throw new Error(`${figure.name}: needs one baseline per sample`);
  }
  return samples.map((sample, i) => {
    const base = baseline[i] as number;
    return goal.kind === 'difference_at_most' ? sample - base : sample / base;
  });
}

function meets(goal: Goal, value: number): boolean {
  if (goal.kind === 'reported') return true;
  if (!Number.isFinite(value)) return false;
  switch (goal.kind) {
    case 'ratio_at_least':
      return value >= goal.value;
    case 'ratio_at_most':
    case 'difference_at_most':
    case 'at_most':
      return value <= goal.value;
    case 'ratio_within':
      return value >= goal.low && value <= goal.high;
  }
}

export function judge(figure: Figure): FigureVerdict {
  const compared = spread(comparisons(figure));
  return {
    figure,
    value: spread(figure.samples),
    baseline: figure.baseline === undefined ? undefined : spread(figure.baseline),
    comparison: compared,
    pass: meets(figure.goal, compared.median),
  };
}

/** The process exit code of a bench: 0 only when every figure meets its goal. */
export function exitCodeOf(verdicts: readonly FigureVerdict[]): number {
  return verdicts.every((verdict) => verdict.pass) ? 0 : 1;
}
