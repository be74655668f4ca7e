import { describe, expect, it } from 'vitest';
import { readExposition } from './prometheus-text.js';

describe('readExposition (the metrics tests parser)', () => {
  it('reads HELP, TYPE, labelled samples, histograms and Go float spellings', () => {
    const exposition = readExposition(
      [
        '# HELP jobs_total Jobs done',
        '# TYPE jobs_total counter',
        'jobs_total{kind="a \\"quoted\\" one",node="n1"} 3',
        '# TYPE wait_seconds histogram',
        'wait_seconds_bucket{le="+Inf"} 2',
        'wait_seconds_sum 0.5',
        'wait_seconds_count 2',
        '# TYPE lag gauge',
        'lag Nan',
        '',
      ].join('\n'),
    );
    expect(exposition.value('jobs_total', { kind: 'a "quoted" one' })).toBe(3);
    expect(exposition.value('wait_seconds_count')).toBe(2);
    expect(exposition.value('lag')).toBeNaN();
  });

  it.each([
    ['a sample of an undeclared family', 'jobs_total 1\n'],
    ['a value that is not a number', '# TYPE jobs_total counter\njobs_total one\n'],
    ['an unclosed label set', '# TYPE jobs_total counter\njobs_total{kind="a" 1\n'],
    ['a bucket without le', '# TYPE w histogram\nw_bucket 1\n'],
    ['a missing final newline', '# TYPE jobs_total counter\njobs_total 1'],
  ])('refuses %s', (_name, text) => {
    expect(() => readExposition(text)).toThrow();
  });
});
