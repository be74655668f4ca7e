import { describe, expect, it } from 'vitest';
import { inRunOrder } from '../../bench/framework/run-order.js';

describe('bench run order', () => {
  it('swaps a pair every other run and rotates longer lists, so each step goes first in turn', () => {
    expect(inRunOrder(0, ['a', 'b'])).toEqual(['a', 'b']);
    expect(inRunOrder(1, ['a', 'b'])).toEqual(['b', 'a']);
    expect([0, 1, 2, 3].map((run) => inRunOrder(run, ['a', 'b', 'c']).join(''))).toEqual([
      'abc',
      'bca',
      'cab',
      'abc',
    ]);
  });
});
