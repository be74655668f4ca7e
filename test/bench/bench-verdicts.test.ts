import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/framework/bench-options.js';
import { exitCodeOf, type Figure, judge, percentile } from '../../bench/framework/figure.js';
import { formatJson, formatTable } from '../../bench/framework/report.js';

const figure = (overrides: Partial<Figure>): Figure => ({
  name: 'a figure',
  unit: 'ms',
  samples: [10, 12, 11, 30, 9],
  baseline: [5, 5, 5, 5, 5],
  goal: { kind: 'ratio_at_most', value: 3 },
  ...overrides,
});

describe('bench verdicts', () => {
  it('judges the median of per-run ratios, each figure against its own run’s baseline', () => {
    // Per-run ratios 2, 2, 3, 3, 6: one slow run does not fail the figure.
    const verdict = judge(figure({ samples: [10, 20, 15, 30, 30], baseline: [5, 10, 5, 10, 5] }));
    expect(verdict.comparison).toEqual({ median: 3, min: 2, max: 6 });
    expect(verdict.pass).toBe(true);
  });

  it('fails a throughput below its share of the baseline', () => {
    const verdict = judge(
      figure({
        unit: 'MiB/s',
        samples: [80, 80, 80, 80, 80],
        baseline: [100, 100, 100, 100, 100],
        goal: { kind: 'ratio_at_least', value: 0.9 },
      }),
    );
    expect(verdict.comparison.median).toBeCloseTo(0.8);
    expect(verdict.pass).toBe(false);
  });

  it('judges overheads as differences and budgets as absolute values', () => {
    const overhead = judge(
      figure({
        samples: [2_400, 2_600, 2_500, 2_500, 2_500],
        baseline: [2_000, 2_000, 2_000, 1_000, 2_000],
        goal: { kind: 'difference_at_most', value: 1_000 },
      }),
    );
    expect(overhead.comparison.median).toBe(500);
    expect(overhead.pass).toBe(true);
    const budget = judge(
      figure({ unit: 'MB', baseline: undefined, goal: { kind: 'at_most', value: 100 } }),
    );
    expect(budget.value.median).toBe(11);
    expect(budget.pass).toBe(true);
  });

  it('requires two quantities to agree within a band', () => {
    const band = { kind: 'ratio_within', low: 0.9, high: 1.1 } as const;
    expect(
      judge(figure({ samples: [10, 10, 10, 10, 10], goal: band, baseline: [10, 10, 10, 10, 10] }))
        .pass,
    ).toBe(true);
    expect(
      judge(figure({ samples: [20, 20, 20, 20, 20], goal: band, baseline: [10, 10, 10, 10, 10] }))
        .pass,
    ).toBe(false);
  });

  it('refuses a figure whose runs lack a baseline each', () => {
    expect(() => judge(figure({ baseline: [1, 2] }))).toThrow(/one baseline per sample/);
  });

  it('exits non-zero when any figure misses its goal, and never on NaN', () => {
    const passing = judge(figure({}));
    const failing = judge(figure({ samples: [100, 100, 100, 100, 100] }));
    const broken = judge(figure({ samples: [Number.NaN, Number.NaN, Number.NaN, 1, 1] }));
    expect(exitCodeOf([passing])).toBe(0);
    expect(exitCodeOf([passing, failing])).toBe(1);
    expect(broken.pass).toBe(false);
  });

  it('never fails a reported figure, and compares it with its baseline when asked', () => {
    const ratio = judge(
      figure({
        samples: [100, 100, 100, 100, 100],
        goal: { kind: 'reported', comparison: 'ratio' },
      }),
    );
    expect(ratio.comparison.median).toBe(20);
    expect(ratio.pass).toBe(true);
    const alone = judge(
      figure({ baseline: undefined, goal: { kind: 'reported', comparison: 'none' } }),
    );
    expect(alone.comparison.median).toBe(11);
    expect(exitCodeOf([alone, ratio])).toBe(0);
  });

  it('takes the p99 of 200 latencies as the second slowest', () => {
    const latencies = Array.from({ length: 200 }, (_, i) => i + 1);
    expect(percentile(latencies, 0.99)).toBe(198);
    expect(percentile(latencies, 0.5)).toBe(100);
  });
});

describe('bench report', () => {
  const report = {
    verdicts: [
      judge(figure({ baselineName: 'bare' })),
      judge(figure({ name: 'slow', samples: [99, 99, 99, 99, 99] })),
    ],
    mode: 'quick' as const,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationS: 42,
    machine: 'test machine',
  };

  it('prints one row a figure with its median, range, baseline, ratio, goal and result', () => {
    const table = formatTable(report);
    const row = table
      .split('\n')
      .find((line) => line.startsWith('a figure'))
      ?.split('|')
      .map((cell) => cell.trim());
    expect(row).toEqual([
      'a figure',
      '11.0 ms (9.00–30.0)',
      'bare: 5.00 ms (5.00–5.00)',
      '2.20 × (1.80–6.00)',
      '≤ 3×',
      'pass',
    ]);
    expect(table).toMatch(/slow .*\| FAIL/);
    expect(table).toContain('took 42 s; 1 of 2 figures meet their goal');
  });

  it('shows a reported figure without a goal or verdict, and counts only judged figures', () => {
    const table = formatTable({
      ...report,
      verdicts: [
        ...report.verdicts,
        judge(
          figure({
            name: 'reported',
            unit: 'KiB',
            baseline: undefined,
            goal: { kind: 'reported', comparison: 'none' },
          }),
        ),
      ],
    });
    const row = table
      .split('\n')
      .find((line) => line.startsWith('reported'))
      ?.split('|')
      .map((cell) => cell.trim());
    expect(row).toEqual(['reported', '11.0 KiB (9.00–30.0)', '—', '—', '—', 'reported']);
    expect(table).toContain('1 of 2 figures meet their goal; 1 more reported without a goal.');
  });

  it('gives every sample in the JSON so a reader can recompute the summary', () => {
    const json = JSON.parse(formatJson(report));
    expect(json.figures[0]).toMatchObject({
      name: 'a figure',
      pass: true,
      samples: [10, 12, 11, 30, 9],
    });
    expect(json.figures[1].pass).toBe(false);
    expect(json.durationS).toBe(42);
  });
});

describe('bench options', () => {
  it('runs five times by default and never fewer', () => {
    expect(parseBenchOptions([])).toMatchObject({
      quick: false,
      json: false,
      runs: 5,
      runsGiven: false,
      only: [],
    });
    expect(
      parseBenchOptions(['--quick', '--json', '--only', 'idle memory,command latency']),
    ).toMatchObject({
      quick: true,
      json: true,
      only: ['idle memory', 'command latency'],
    });
    expect(() => parseBenchOptions(['--runs', '3'])).toThrow(/at least 5/);
    expect(() => parseBenchOptions(['--fast'])).toThrow();
  });
});
