import { EgressStatus } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import type { RecordingRecord } from '../../../common/recording/recording-record.js';
import {
  RECORDING_STATUSES,
  type RecordingStatus,
} from '../../../common/recording/recording-status.js';
import type { EgressSnapshot } from '../../../controller/egress/egress-snapshot.js';
import {
  nextStep,
  type RecordingEvent,
  type StepContext,
} from '../../../controller/records/next-step.js';

const NOW = 1_800_000_000_000;
const context: StepContext = {
  now: NOW,
  controllerId: 'controller-a',
  limits: {
    startRequestTimeoutMs: 60_000,
    egressStartTimeoutMs: 60_000,
    egressStopTimeoutMs: 120_000,
    maxDurationMs: 3_600_000,
    idleTimeoutMs: 300_000,
  },
};

function recordIn(status: RecordingStatus, extra: Partial<RecordingRecord> = {}): RecordingRecord {
  const base: RecordingRecord = {
    roomUrl: 'https://app.example/room/a',
    requestedBy: 'alice',
    requestedAt: NOW - 1_000,
    updatedAt: NOW - 1_000,
    status,
  };
  // A start under way has no egress yet; every later status has one.
  if (status === 'requested') return { ...base, ...extra };
  if (status === 'starting')
    return { ...base, claim: { by: 'controller-a', at: NOW - 1_000 }, ...extra };
  return { ...base, egressId: 'EG_one', startedAt: NOW - 1_000, ...extra };
}

const egress = (status: EgressStatus, withFile = false): EgressSnapshot => ({
  egressId: 'EG_one',
  roomName: 'room-a',
  status,
  requestedFilepath: 'room-a/rec.mp4',
  startedAtMs: NOW - 900,
  endedAtMs: status >= EgressStatus.EGRESS_COMPLETE ? NOW - 10 : undefined,
  error: status === EgressStatus.EGRESS_FAILED ? 'server is shutting down' : undefined,
  details: undefined,
  file: withFile
    ? {
        location: '/out/room-a/rec.mp4',
        filename: 'room-a/rec.mp4',
        sizeBytes: 1_000,
        durationMs: 900,
      }
    : undefined,
});

const EVENTS: Record<string, RecordingEvent> = {
  start: { kind: 'start_command', options: { ok: true }, stopAllowed: undefined },
  inRoom: { kind: 'requester_checked', check: 'in_room' },
  roomFree: { kind: 'room_lock', holder: undefined },
  startFailed: {
    kind: 'egress_start_failed',
    error: { code: 'egress_unavailable', message: 'no worker' },
  },
  stop: { kind: 'stop_command', by: 'alice', allowed: true },
  invalid: { kind: 'invalid_command', reason: 'bad' },
  active: { kind: 'egress', egress: egress(EgressStatus.EGRESS_ACTIVE) },
  complete: { kind: 'egress', egress: egress(EgressStatus.EGRESS_COMPLETE, true) },
  failedWithFile: { kind: 'egress', egress: egress(EgressStatus.EGRESS_FAILED, true) },
  lost: {
    kind: 'deadline',
    egress: { kind: 'lost' },
    publishing: true,
    idleSince: NOW,
    fileOnDisk: false,
  },
  fileComplete: { kind: 'file_complete', sizeBytes: 1_000 },
  fileIncomplete: { kind: 'file_incomplete', sizeBytes: 10, reason: 'no moov' },
  fileMissing: { kind: 'file_missing', fileName: 'room-a/rec.mp4' },
  uploadStarted: { kind: 'upload_started', total: 1_000 },
  retryDue: { kind: 'upload_retry_due', restMs: 0 },
  uploaded: { kind: 'uploaded', fields: { storagePath: 'recordings/room-a/rec.mp4' } },
  uploadFailed: { kind: 'upload_failed', message: 'Storage said no' },
};

type Row = Record<keyof typeof EVENTS, RecordingStatus | '-'>;
const none = (): Row => Object.fromEntries(Object.keys(EVENTS).map((name) => [name, '-'])) as Row;

/** Every status × every event: where the record goes ('-': it stays). */
const TABLE: Record<RecordingStatus, Row> = {
  requested: { ...none(), start: 'starting', stop: 'canceled', invalid: 'failed' },
  starting: {
    ...none(),
    startFailed: 'failed',
    stop: 'canceled',
    invalid: 'failed',
    active: 'recording',
    complete: 'processing',
    failedWithFile: 'processing',
  },
  recording: {
    ...none(),
    stop: 'stopping',
    invalid: 'failed',
    complete: 'processing',
    failedWithFile: 'processing',
    lost: 'failed',
    fileComplete: 'processing',
  },
  stopping: {
    ...none(),
    complete: 'processing',
    failedWithFile: 'processing',
    lost: 'failed',
    fileComplete: 'processing',
  },
  processing: {
    ...none(),
    fileIncomplete: 'failed',
    fileMissing: 'failed',
    uploadStarted: 'uploading',
    uploadFailed: 'failed',
  },
  uploading: {
    ...none(),
    fileIncomplete: 'failed',
    fileMissing: 'failed',
    uploaded: 'uploaded',
    uploadFailed: 'failed',
  },
  uploaded: none(),
  failed: none(),
  canceled: none(),
};

describe('nextStep: every status × every event', () => {
  const cells = RECORDING_STATUSES.flatMap((status) =>
    Object.keys(EVENTS).map((event) => [status, event, TABLE[status][event]] as const),
  );
  it.each(cells)('%s + %s → %s', (status, event, expected) => {
    const step = nextStep(recordIn(status), EVENTS[event] as RecordingEvent, context);
    expect(step.to ?? '-').toBe(expected);
  });
});

describe('nextStep: what the table does not show', () => {
  it('claims a start for this controller and asks for the room check', () => {
    const step = nextStep(recordIn('requested'), EVENTS.start as RecordingEvent, context);
    expect(step.fields?.claim).toEqual({ by: 'controller-a', at: NOW });
    expect(step.effects).toEqual([{ kind: 'check_requester' }]);
  });

  it('resumes its own start after a crash, leaves another controller’s to its deadline', () => {
    const mine = nextStep(recordIn('starting'), EVENTS.start as RecordingEvent, context);
    expect(mine.effects).toEqual([{ kind: 'check_requester' }]);
    const theirs = nextStep(
      recordIn('starting', { claim: { by: 'controller-b', at: NOW - 1_000 } }),
      EVENTS.start as RecordingEvent,
      context,
    );
    expect(theirs.to).toBeUndefined();
    expect(theirs.effects).toEqual([]);
  });

  it('drops a start no controller took up in time (request_expired)', () => {
    const step = nextStep(
      recordIn('requested', { requestedAt: NOW - 61_000 }),
      EVENTS.start as RecordingEvent,
      context,
    );
    expect(step).toMatchObject({ to: 'failed', error: { code: 'request_expired' } });
  });

  it('fails a start whose room LiveKit does not know with room_not_found', () => {
    const step = nextStep(
      recordIn('starting'),
      {
        kind: 'requester_checked',
        check: { code: 'room_not_found', message: 'The room is not open on LiveKit' },
      },
      context,
    );
    expect(step).toMatchObject({ to: 'failed', error: { code: 'room_not_found' } });
  });

  it('uploads the complete file of an egress that ended FAILED, keeping what egress said', () => {
    const step = nextStep(recordIn('recording'), EVENTS.failedWithFile as RecordingEvent, context);
    expect(step).toMatchObject({
      to: 'processing',
      fields: { egressError: 'server is shutting down', sizeBytes: 1_000 },
    });
    expect(step.error).toBeUndefined();
  });

  it('still fails an egress that ended FAILED without a file', () => {
    const step = nextStep(
      recordIn('recording'),
      { kind: 'egress', egress: egress(EgressStatus.EGRESS_FAILED) },
      context,
    );
    expect(step).toMatchObject({ to: 'failed', error: { code: 'egress_failed' } });
  });

  it('cancels a recording whose egress was ABORTED after a stop', () => {
    const step = nextStep(
      recordIn('stopping', { stopRequestedBy: 'alice' }),
      { kind: 'egress', egress: egress(EgressStatus.EGRESS_ABORTED) },
      context,
    );
    expect(step.to).toBe('canceled');
  });

  const deadline = (
    facts: Partial<Extract<RecordingEvent, { kind: 'deadline' }>>,
  ): RecordingEvent => ({
    kind: 'deadline',
    egress: { kind: 'unknown' },
    publishing: true,
    idleSince: NOW,
    fileOnDisk: false,
    ...facts,
  });

  it('fails a start past its deadline and stops the egress it may have', () => {
    const step = nextStep(
      recordIn('starting', { claim: { by: 'controller-b', at: NOW - 61_000 }, egressId: 'EG_one' }),
      deadline({}),
      context,
    );
    expect(step).toMatchObject({ to: 'failed', error: { code: 'egress_start_timeout' } });
    expect(step.effects).toEqual([{ kind: 'stop_egress', egressId: 'EG_one' }]);
  });

  it('stops a recording whose room has had no track for the idle timeout', () => {
    const idle = deadline({ publishing: false, idleSince: NOW - 300_000 });
    expect(nextStep(recordIn('recording'), idle, context).to).toBe('stopping');
    const recent = deadline({ publishing: false, idleSince: NOW - 299_000 });
    expect(nextStep(recordIn('recording'), recent, context).to).toBeUndefined();
    // LiveKit could not say: no stop on a guess.
    const unknown = deadline({ publishing: undefined, idleSince: NOW - 900_000 });
    expect(nextStep(recordIn('recording'), unknown, context).to).toBeUndefined();
  });

  it('stops a recording at its maximum duration', () => {
    const step = nextStep(
      recordIn('recording', { startedAt: NOW - 3_600_000 }),
      deadline({}),
      context,
    );
    expect(step).toMatchObject({
      to: 'stopping',
      effects: [{ kind: 'stop_egress', egressId: 'EG_one' }],
    });
  });

  it('ends a stop past its deadline: the file on disk is uploaded, else egress_lost', () => {
    const late = recordIn('stopping', { updatedAt: NOW - 121_000 });
    expect(nextStep(late, deadline({ fileOnDisk: true }), context)).toMatchObject({
      to: 'processing',
      fields: { egressError: expect.stringContaining('did not finish') },
    });
    expect(nextStep(late, deadline({ fileOnDisk: false }), context)).toMatchObject({
      to: 'failed',
      error: { code: 'egress_lost' },
    });
  });

  it('asks again to stop an egress still live while the record is stopping', () => {
    const step = nextStep(
      recordIn('stopping'),
      deadline({ egress: { kind: 'known', egress: egress(EgressStatus.EGRESS_ACTIVE) } }),
      context,
    );
    expect(step.to).toBeUndefined();
    expect(step.effects).toEqual([{ kind: 'stop_egress', egressId: 'EG_one' }]);
  });

  it('takes back a stop whose author may not stop, and stops nothing', () => {
    const step = nextStep(
      recordIn('recording'),
      { kind: 'stop_command', by: 'mallory', allowed: false },
      context,
    );
    expect(step.to).toBeUndefined();
    expect(step.effects).toEqual([{ kind: 'withdraw_stop_request', by: 'mallory' }]);
  });

  it('stops a live egress that reports on a recording already over', () => {
    const step = nextStep(recordIn('canceled'), EVENTS.active as RecordingEvent, context);
    expect(step.effects).toEqual([{ kind: 'stop_egress', egressId: 'EG_one' }]);
  });

  it('reopens a lost recording whose egress reports its file after all', () => {
    const lost = recordIn('failed', { error: { code: 'egress_lost', message: 'gone' } });
    const step = nextStep(lost, EVENTS.complete as RecordingEvent, context);
    expect(step).toMatchObject({ to: 'processing', fields: { sizeBytes: 1_000 } });
    expect(nextStep(lost, EVENTS.fileComplete as RecordingEvent, context).to).toBe('processing');
    // Any other failure stays final.
    const failed = recordIn('failed', { error: { code: 'egress_failed', message: 'x' } });
    expect(nextStep(failed, EVENTS.complete as RecordingEvent, context).to).toBeUndefined();
  });

  it('retries a failed upload only once it has rested', () => {
    const failed = recordIn('failed', {
      error: { code: 'upload_failed', message: 'x' },
      updatedAt: NOW - 5_000,
    });
    const retry = (restMs: number): RecordingEvent => ({ kind: 'upload_retry_due', restMs });
    expect(nextStep(failed, retry(5_000), context).to).toBe('uploading');
    expect(nextStep(failed, retry(5_001), context).to).toBeUndefined();
  });
});
