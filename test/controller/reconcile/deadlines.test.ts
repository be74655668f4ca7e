import { describe, expect, it } from 'vitest';
import { checkDeadlines } from '../../../controller/reconcile/deadlines.js';

const limits = { egressStartTimeoutMs: 60_000, maxDurationMs: 3_600_000, idleTimeoutMs: 300_000 };
const T0 = 1_800_000_000_000;

describe('checkDeadlines', () => {
  it('times out a start that has been starting longer than the limit, and not before', () => {
    const starting = { status: 'starting' as const, requestedAt: T0, updatedAt: T0 };
    expect(checkDeadlines(starting, limits, T0 + 60_000, T0)).toEqual({ kind: 'none' });
    expect(checkDeadlines(starting, limits, T0 + 60_001, T0)).toEqual({ kind: 'start_timeout' });
  });

  it('stops a recording at its maximum duration, counted from when it started', () => {
    const recording = { status: 'recording' as const, requestedAt: T0, startedAt: T0 + 5_000 };
    const now = T0 + 5_000 + 3_600_000;
    expect(checkDeadlines(recording, limits, now - 1, now)).toEqual({ kind: 'none' });
    expect(checkDeadlines(recording, limits, now, now)).toEqual({
      kind: 'stop',
      reason: 'max_duration',
    });
  });

  it('stops a recording whose room has had no publisher for the idle limit', () => {
    const recording = { status: 'recording' as const, requestedAt: T0, startedAt: T0 };
    expect(checkDeadlines(recording, limits, T0 + 299_999, T0)).toEqual({ kind: 'none' });
    expect(checkDeadlines(recording, limits, T0 + 300_000, T0)).toEqual({
      kind: 'stop',
      reason: 'idle',
    });
  });

  it('leaves every other status alone', () => {
    for (const status of [
      'requested',
      'stopping',
      'processing',
      'uploading',
      'uploaded',
      'failed',
      'canceled',
    ] as const) {
      expect(
        checkDeadlines({ status, requestedAt: 0, updatedAt: 0, startedAt: 0 }, limits, T0, 0),
      ).toEqual({
        kind: 'none',
      });
    }
  });
});
