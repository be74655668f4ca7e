import type { FigureVerdict, Goal, Spread } from './figure.js';

/** Enough digits to compare runs, never more: 3 significant digits, whole numbers kept whole. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toPrecision(3);
}

function formatSpread(value: Spread, unit: string): string {
  const suffix = unit === '' ? '' : ` ${unit}`;
  return `${formatNumber(value.median)}${suffix} (${formatNumber(value.min)}–${formatNumber(value.max)})`;
}

export function describeGoal(goal: Goal, unit: string): string {
  switch (goal.kind) {
    case 'ratio_at_least':
      return `≥ ${goal.value}×`;
    case 'ratio_at_most':
      return `≤ ${goal.value}×`;
    case 'ratio_within':
      return `${goal.low}× – ${goal.high}×`;
    case 'difference_at_most':
      return `≤ +${goal.value} ${unit}`;
    case 'at_most':
      return `≤ ${goal.value} ${unit}`;
    case 'reported':
      return '—';
  }
}

function comparisonCell(verdict: FigureVerdict): string {
  const { goal, unit } = verdict.figure;
  if (goal.kind === 'at_most' || (goal.kind === 'reported' && goal.comparison === 'none')) {
    return '—';
  }
  if (goal.kind === 'difference_at_most') {
    const { median, min, max } = verdict.comparison;
    const signed = (value: number) => `${value >= 0 ? '+' : ''}${formatNumber(value)}`;
    return `${signed(median)} ${unit} (${signed(min)}–${signed(max)})`;
  }
  return formatSpread(verdict.comparison, '×');
}

function resultCell(verdict: FigureVerdict): string {
  if (verdict.figure.goal.kind === 'reported') return 'reported';
  return verdict.pass ? 'pass' : 'FAIL';
}

export interface BenchReport {
  readonly verdicts: readonly FigureVerdict[];
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly durationS: number;
  readonly machine: string;
}

/** The human table: one row a figure, medians with min–max over the runs. */
export function formatTable(report: BenchReport): string {
  const header = ['figure', 'median (min–max)', 'baseline', 'vs baseline', 'goal', 'result'];
  const rows = report.verdicts.map((verdict) => [
    verdict.figure.name,
    formatSpread(verdict.value, verdict.figure.unit),
    verdict.baseline === undefined
      ? '—'
      : `${verdict.figure.baselineName ?? 'baseline'}: ${formatSpread(verdict.baseline, verdict.figure.unit)}`,
    comparisonCell(verdict),
    describeGoal(verdict.figure.goal, verdict.figure.unit),
    resultCell(verdict),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] as string).length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column] as number)).join(' | ');
  const notes = report.verdicts
    .filter((verdict) => verdict.figure.note !== undefined)
    .map((verdict) => `- ${verdict.figure.name}: ${verdict.figure.note}`);
  const judged = report.verdicts.filter((verdict) => verdict.figure.goal.kind !== 'reported');
  const failed = judged.filter((verdict) => !verdict.pass).length;
  const reported = report.verdicts.length - judged.length;
  return [
    line(header),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...rows.map(line),
    '',
    ...notes,
    '',
    `${report.mode} run on ${report.machine}, started ${report.startedAt}, took ${report.durationS.toFixed(0)} s; ` +
      `${judged.length - failed} of ${judged.length} figures meet their goal` +
      (reported === 0 ? '.' : `; ${reported} more reported without a goal.`),
  ].join('\n');
}

/** The same report for machines: every sample, so a reader can recompute any summary. */
export function formatJson(report: BenchReport): string {
  return JSON.stringify(
    {
      mode: report.mode,
      startedAt: report.startedAt,
      durationS: Number(report.durationS.toFixed(1)),
      machine: report.machine,
      figures: report.verdicts.map((verdict) => ({
        name: verdict.figure.name,
        unit: verdict.figure.unit,
        goal: verdict.figure.goal,
        pass: verdict.pass,
        value: verdict.value,
        baselineName: verdict.figure.baselineName,
        baseline: verdict.baseline,
        comparison: verdict.comparison,
        samples: verdict.figure.samples,
        baselineSamples: verdict.figure.baseline,
        note: verdict.figure.note,
      })),
    },
    null,
    2,
  );
}
