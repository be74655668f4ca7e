import { describe, expect, it } from 'vitest';
import { cpuTicksOfStat } from '../../bench/framework/process-cpu.js';

describe('process CPU from /proc', () => {
  it('adds utime and stime, whatever the command name holds', () => {
    // A real line's fields 3 to 20, with utime (field 14) 1234 and stime (field 15) 56.
    const rest = 'R 1 1 1 0 -1 4194304 100 0 0 0 1234 56 7 8 20 0 11';
    expect(cpuTicksOfStat(`28724 (node) ${rest}`)).toBe(1290);
    expect(cpuTicksOfStat(`28724 (a) b (c) ${rest}`)).toBe(1290);
  });

  it('refuses a line without CPU times', () => {
    expect(() => cpuTicksOfStat('28724 (node) R 1')).toThrow(/no utime and stime/);
  });
});
