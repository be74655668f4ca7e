import type { RecordAsRead } from '../../../common/recording/read-recording-record.js';
import type { RecordingRecord } from '../../../common/recording/recording-record.js';
import type { RecordingStatus } from '../../../common/recording/recording-status.js';
import { RECORDING_ERROR_SENTENCES } from './recording-error-sentences.js';
import { startRequestExpired } from './recording-management.js';

/** How each status reads in the list. */
export const STATUS_LABELS: Readonly<Record<RecordingStatus, string>> = {
  requested: 'Requested',
  starting: 'Starting',
  recording: 'Recording',
  stopping: 'Stopping',
  processing: 'Processing',
  uploading: 'Uploading',
  uploaded: 'Uploaded',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** How a status reads; one a newer controller wrote reads as unknown. */
export function statusLabel(status: RecordAsRead['status']): string {
  return status === 'unknown' ? 'Unknown status' : STATUS_LABELS[status];
}

/** How a recording's state reads in the list: its status, or that no recorder took it up. */
export function recordingLabel(
  record: Pick<RecordAsRead, 'status' | 'requestedAt'>,
  serverNow: number,
): string {
  return startRequestExpired(record, serverNow) ? 'Not started' : statusLabel(record.status);
}

/** `m:ss` or `h:mm:ss`. */
export function formatElapsed(milliseconds: number): string {
  const total = Math.max(0, Math.floor(milliseconds / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0
    ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}`
    : `${minutes}:${seconds}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** How long a recording has run: live while it records, its duration once known. */
export function elapsedMs(record: RecordAsRead, now: number): number | undefined {
  if (record.durationMs !== undefined) return record.durationMs;
  if (record.startedAt === undefined) return undefined;
  return (record.endedAt ?? now) - record.startedAt;
}

/**
 * The human sentence for a failed recording, with the server's message after it. A code this
 * build does not know (a newer controller's) falls back to a general sentence.
 */
export function errorSentence(error: NonNullable<RecordingRecord['error']>): string {
  return (
    (RECORDING_ERROR_SENTENCES as Readonly<Record<string, string>>)[error.code] ??
    'The recording failed.'
  );
}
