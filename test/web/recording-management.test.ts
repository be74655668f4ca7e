import { describe, expect, it } from 'vitest';
import type { RecordAsRead } from '../../common/recording/read-recording-record.js';
import { START_REQUEST_TIMEOUT_MS } from '../../common/recording/recording-deadlines.js';
import { HOLDS_ROOM, RECORDING_STATUSES } from '../../common/recording/recording-status.js';
import {
  DEFAULT_CHOICE,
  deleteFailureSentence,
  mayDeleteRecording,
  recordingInProgress,
  recordingOptionsOf,
  startRequestExpired,
} from '../../web/src/recording/recording-management.js';

/** Server time in these tests; records carry the server's timestamps. */
const SERVER_NOW = 1_700_000_000_000;

const listed = (
  recordingId: string,
  status: RecordAsRead['status'],
  requestedAt: number,
): { recordingId: string; record: RecordAsRead } => ({
  recordingId,
  record:
    status === 'unknown'
      ? { roomUrl: 'u', requestedBy: 'alice', requestedAt, status, writtenStatus: 'paused' }
      : { roomUrl: 'u', requestedBy: 'alice', requestedAt, status },
});

describe('what keeps the Record button from a new recording', () => {
  it('is a start a recorder may still take up, until START_REQUEST_TIMEOUT_MS by server time', () => {
    const fresh = listed('fresh', 'requested', SERVER_NOW - START_REQUEST_TIMEOUT_MS + 1);
    expect(recordingInProgress([fresh], SERVER_NOW)).toBe(fresh);
    expect(startRequestExpired(fresh.record, SERVER_NOW)).toBe(false);
  });

  it('is not a start no recorder took up in time: the room is free again', () => {
    const stale = listed('stale', 'requested', SERVER_NOW - START_REQUEST_TIMEOUT_MS);
    expect(recordingInProgress([stale], SERVER_NOW)).toBeUndefined();
    expect(startRequestExpired(stale.record, SERVER_NOW)).toBe(true);
  });

  it('is a recording that holds the room, however long ago it was asked for', () => {
    for (const status of HOLDS_ROOM) {
      const running = listed('running', status, SERVER_NOW - 3 * 3_600_000);
      expect(recordingInProgress([running], SERVER_NOW)).toBe(running);
      expect(startRequestExpired(running.record, SERVER_NOW)).toBe(false);
    }
  });

  it('is never a finished recording, nor one in a status this build does not know', () => {
    const others = RECORDING_STATUSES.filter(
      (status) => status !== 'requested' && !HOLDS_ROOM.has(status),
    );
    for (const status of [...others, 'unknown' as const]) {
      expect(recordingInProgress([listed('x', status, SERVER_NOW)], SERVER_NOW)).toBeUndefined();
    }
  });

  it('is the newest such recording, past a stale start and a finished one', () => {
    const stale = listed('c', 'requested', SERVER_NOW - 10 * START_REQUEST_TIMEOUT_MS);
    const done = listed('b', 'uploaded', SERVER_NOW - 20 * START_REQUEST_TIMEOUT_MS);
    const running = listed('a', 'recording', SERVER_NOW - 30 * START_REQUEST_TIMEOUT_MS);
    expect(recordingInProgress([stale, done, running], SERVER_NOW)).toBe(running);
  });
});

describe('who is offered Delete', () => {
  const final = ['uploaded', 'failed', 'canceled'];

  it('offers it to the requester of a final recording only', () => {
    for (const status of RECORDING_STATUSES) {
      expect(mayDeleteRecording({ status, requestedBy: 'alice' }, 'alice', false)).toBe(
        final.includes(status),
      );
    }
  });

  it('offers it to a recording administrator for recordings others requested', () => {
    expect(mayDeleteRecording({ status: 'uploaded', requestedBy: 'alice' }, 'bob', true)).toBe(
      true,
    );
    expect(mayDeleteRecording({ status: 'recording', requestedBy: 'alice' }, 'bob', true)).toBe(
      false,
    );
  });

  it('never offers it for a status this build does not know: the rules take only final ones', () => {
    expect(mayDeleteRecording({ status: 'unknown', requestedBy: 'alice' }, 'alice', true)).toBe(
      false,
    );
  });

  it('never offers it to another participant', () => {
    for (const status of final) {
      expect(
        mayDeleteRecording({ status: status as 'uploaded', requestedBy: 'alice' }, 'bob', false),
      ).toBe(false);
    }
  });
});

describe('a refused delete, in words', () => {
  it('says who may delete when the rules refuse the command', () => {
    expect(deleteFailureSentence(new Error('PERMISSION_DENIED: Permission denied'))).toBe(
      'You cannot delete this recording: only the person who started it (or a recording administrator) can, once it has finished.',
    );
  });

  it('passes any other failure on with its message', () => {
    expect(deleteFailureSentence(new Error('Client is offline.'))).toBe(
      'Could not delete the recording: Client is offline.',
    );
  });
});

describe('the start command options from the controls beside Record', () => {
  it('sends nothing when every control is at its default', () => {
    expect(recordingOptionsOf(DEFAULT_CHOICE)).toEqual({});
  });

  it('sends the layout and preset chosen', () => {
    expect(
      recordingOptionsOf({ audioOnly: false, layout: 'speaker', preset: 'H264_1080P_30' }),
    ).toEqual({
      layout: 'speaker',
      preset: 'H264_1080P_30',
    });
  });

  it('sends audio only alone, dropping a layout or preset the controller would refuse with it', () => {
    expect(recordingOptionsOf({ audioOnly: true, layout: 'grid', preset: 'H264_720P_30' })).toEqual(
      {
        audioOnly: true,
      },
    );
  });
});
