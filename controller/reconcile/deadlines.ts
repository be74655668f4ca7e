import type { RecordingRecord } from '../../common/recording/recording-record.js';

export interface DeadlineLimits {
  readonly egressStartTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly idleTimeoutMs: number;
}

export type DeadlineVerdict =
  | { readonly kind: 'none' }
  | { readonly kind: 'start_timeout' }
  | { readonly kind: 'stop'; readonly reason: 'max_duration' | 'idle' };

/**
 * Pure: whether a recording has outlived one of its limits (DESIGN §3). `lastPublisherAt` is the
 * last moment the room was seen with a publisher (or when watching began).
 */
export function checkDeadlines(
  record: Pick<RecordingRecord, 'status' | 'startedAt' | 'updatedAt' | 'requestedAt'>,
  limits: DeadlineLimits,
  now: number,
  lastPublisherAt: number,
): DeadlineVerdict {
  if (record.status === 'starting') {
    const since = record.updatedAt ?? record.requestedAt;
    return now - since > limits.egressStartTimeoutMs ? { kind: 'start_timeout' } : { kind: 'none' };
  }
  if (record.status !== 'recording') return { kind: 'none' };
  const startedAt = record.startedAt ?? record.updatedAt ?? record.requestedAt;
  if (now - startedAt >= limits.maxDurationMs) return { kind: 'stop', reason: 'max_duration' };
  if (now - lastPublisherAt >= limits.idleTimeoutMs) return { kind: 'stop', reason: 'idle' };
  return { kind: 'none' };
}
