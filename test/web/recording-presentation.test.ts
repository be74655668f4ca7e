import { describe, expect, it } from 'vitest';
import { START_REQUEST_TIMEOUT_MS } from '../../common/recording/recording-deadlines.js';
import {
  elapsedMs,
  formatBytes,
  formatElapsed,
  recordingLabel,
  statusLabel,
} from '../../web/src/recording/recording-presentation.js';

const record = {
  roomUrl: 'https://app.example.com/room/a',
  requestedBy: 'alice',
  requestedAt: 0,
  status: 'recording' as const,
};

describe('how the web app shows a recording', () => {
  it('writes elapsed time as m:ss, and h:mm:ss from an hour', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(65_400)).toBe('1:05');
    expect(formatElapsed(3_600_000 + 61_000)).toBe('1:01:01');
  });

  it('writes sizes in binary units with one decimal under ten', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(183 * 1024)).toBe('183 KB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
  });

  it('names a status a newer controller wrote as unknown, and a known one by its label', () => {
    expect(statusLabel('unknown')).toBe('Unknown status');
    expect(statusLabel('uploading')).toBe('Uploading');
  });

  it('names a start no recorder took up in time as not started, by server time', () => {
    const requested = { status: 'requested' as const, requestedAt: 50_000 };
    expect(recordingLabel(requested, 50_000 + START_REQUEST_TIMEOUT_MS - 1)).toBe('Requested');
    expect(recordingLabel(requested, 50_000 + START_REQUEST_TIMEOUT_MS)).toBe('Not started');
    expect(recordingLabel({ ...requested, status: 'failed' }, 10 ** 13)).toBe('Failed');
  });

  it('counts a running recording from its start, and a finished one by its duration', () => {
    expect(elapsedMs(record, 10_000)).toBeUndefined();
    expect(elapsedMs({ ...record, startedAt: 4_000 }, 10_000)).toBe(6_000);
    expect(elapsedMs({ ...record, startedAt: 4_000, endedAt: 7_000 }, 10_000)).toBe(3_000);
    expect(elapsedMs({ ...record, startedAt: 4_000, durationMs: 2_500 }, 10_000)).toBe(2_500);
  });
});
