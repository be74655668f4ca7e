import { EgressStatus } from 'livekit-server-sdk';
import type { RecordingError } from '../../common/recording/recording-error-codes.js';
import type { ControllerFields, RecordingRecord } from '../../common/recording/recording-record.js';
import {
  canReopen,
  type RecordingStatus,
  STOPPABLE,
} from '../../common/recording/recording-status.js';
import { decideEgressOutcome, egressHasFile, endedFields } from '../egress/egress-outcome.js';
import type { EgressSnapshot } from '../egress/egress-snapshot.js';

/**
 * The life cycle of a recording in one pure function (docs/architecture.md, "Statuses and their
 * deadlines"): given the record as it is, one event and the time, the status it moves to (if
 * any), the fields written with it, and what the caller must do next. The inbox, the webhook
 * route, the file pipeline and the reconciler only collect the facts an event carries and carry
 * out the effects; `RecordingStore.step` runs this inside the record's transaction, so the
 * decision is always taken on the record as the database holds it.
 */

export interface StepLimits {
  /** A start not taken up this long after `requestedAt` is dropped (`request_expired`). */
  readonly startRequestTimeoutMs: number;
  /** `starting` longer than this fails `egress_start_timeout`. */
  readonly egressStartTimeoutMs: number;
  /** `stopping` longer than this is over: its file uploaded if on disk, else `egress_lost`. */
  readonly egressStopTimeoutMs: number;
  readonly maxDurationMs: number;
  readonly idleTimeoutMs: number;
}

export interface StepContext {
  readonly now: number;
  readonly limits: StepLimits;
  /** This controller (CONTROLLER_ID): the name a claim carries. */
  readonly controllerId: string;
}

/** The start's options, as `checkRecordingOptions` judged them. */
export type OptionsVerdict =
  | { readonly ok: true }
  | { readonly ok: false; readonly error: RecordingError };

/** What the start's room check found; an error when LiveKit could not answer it. */
export type RequesterCheck = 'in_room' | 'not_in_room' | RecordingError;

/** What LiveKit says of a recording's egress, asked by the reconciler. */
export type EgressFact =
  | { readonly kind: 'known'; readonly egress: EgressSnapshot }
  /** LiveKit no longer knows it (`not_found`, or absent from ListEgress by its id). */
  | { readonly kind: 'lost' }
  /** Not asked, not started yet, or LiveKit could not answer: nothing to conclude. */
  | { readonly kind: 'unknown' };

export type RecordingEvent =
  | {
      readonly kind: 'start_command';
      readonly options: OptionsVerdict;
      /** Whether the author of a stop written before the start may stop (undefined: no stop). */
      readonly stopAllowed: boolean | undefined;
    }
  | { readonly kind: 'requester_checked'; readonly check: RequesterCheck }
  | {
      readonly kind: 'room_lock';
      readonly holder:
        | { readonly recordingId: string; readonly status: RecordingStatus }
        | undefined;
    }
  | { readonly kind: 'egress_start_failed'; readonly error: RecordingError }
  | { readonly kind: 'stop_command'; readonly by: string; readonly allowed: boolean }
  | { readonly kind: 'invalid_command'; readonly reason: string }
  | { readonly kind: 'egress'; readonly egress: EgressSnapshot }
  | {
      readonly kind: 'deadline';
      readonly egress: EgressFact;
      /** Whether anyone in the room has a track now; undefined when LiveKit could not say. */
      readonly publishing: boolean | undefined;
      /** Since when the room has had no track (or since watching began). */
      readonly idleSince: number;
      /** Whether the recording's file is on this controller's disk. */
      readonly fileOnDisk: boolean;
    }
  | { readonly kind: 'file_complete'; readonly sizeBytes: number }
  | { readonly kind: 'file_incomplete'; readonly sizeBytes: number; readonly reason: string }
  | { readonly kind: 'file_missing'; readonly fileName: string }
  | { readonly kind: 'upload_started'; readonly total: number }
  /** A scan found the kept file of a failed upload; it retries once the record has rested. */
  | { readonly kind: 'upload_retry_due'; readonly restMs: number }
  | { readonly kind: 'uploaded'; readonly fields: ControllerFields }
  | { readonly kind: 'upload_failed'; readonly message: string };

export type StepEffect =
  /** Ask LiveKit whether the requester is in the room → `requester_checked`. */
  | { readonly kind: 'check_requester' }
  /** Take the room's lock → `room_lock`. */
  | { readonly kind: 'claim_room' }
  /** Start (or adopt) the room composite → `egress` or `egress_start_failed`. */
  | { readonly kind: 'start_egress' }
  | { readonly kind: 'stop_egress'; readonly egressId: string }
  /** Take back a stop request its author had no right to (the rules allow one stop only). */
  | { readonly kind: 'withdraw_stop_request'; readonly by: string };

export interface Step {
  /** The status the record moves to; absent: it stays where it is. */
  readonly to?: RecordingStatus;
  /** Fields written with the move, or alone (an annotation) when there is no move. */
  readonly fields?: ControllerFields;
  readonly error?: RecordingError;
  readonly effects: readonly StepEffect[];
  /** Why nothing changes, for the debug log. */
  readonly reason?: string;
}

const stay = (reason: string, effects: readonly StepEffect[] = []): Step => ({ reason, effects });

const fail = (error: RecordingError, record: RecordingRecord): Step => ({
  to: 'failed',
  error,
  effects: stopEgressOf(record),
});

const stopEgressOf = (record: RecordingRecord): StepEffect[] =>
  record.egressId === undefined ? [] : [{ kind: 'stop_egress', egressId: record.egressId }];

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;

export function nextStep(
  record: RecordingRecord,
  event: RecordingEvent,
  context: StepContext,
): Step {
  switch (event.kind) {
    case 'start_command':
      return startCommand(record, event, context);
    case 'requester_checked':
      return requesterChecked(record, event.check);
    case 'room_lock':
      if (!startsUnderWay(record)) return stay(`room lock answered while ${record.status}`);
      return event.holder === undefined
        ? { effects: [{ kind: 'start_egress' }] }
        : fail(
            {
              code: 'already_recording',
              message: `This room is already being recorded (recording ${event.holder.recordingId}, ${event.holder.status})`,
            },
            record,
          );
    case 'egress_start_failed':
      return record.status === 'starting'
        ? fail(event.error, record)
        : stay(`egress start failed while ${record.status}`);
    case 'stop_command':
      return stopCommand(record, event, context);
    case 'invalid_command':
      // Only where a command could still act: a bad command must not fail a finished file.
      return STOPPABLE.has(record.status)
        ? fail({ code: 'invalid_command', message: event.reason }, record)
        : stay(`invalid command while ${record.status}`);
    case 'egress':
      return lostEgressFound(record, event.egress) ?? egressStep(record, event.egress);
    case 'deadline':
      return deadline(record, event, context);
    case 'file_complete':
      return record.status === 'recording' ||
        record.status === 'stopping' ||
        canReopen(record, 'processing')
        ? { to: 'processing', fields: { sizeBytes: event.sizeBytes }, effects: [] }
        : stay(`file complete while ${record.status}`);
    case 'upload_retry_due':
      return canReopen(record, 'uploading') && context.now - (record.updatedAt ?? 0) >= event.restMs
        ? { to: 'uploading', effects: [] }
        : stay('no failed upload due for a retry');
    case 'file_incomplete':
      // A file still being written has no index yet: only a finished recording is judged.
      return record.status === 'processing' || record.status === 'uploading'
        ? {
            to: 'failed',
            fields: { sizeBytes: event.sizeBytes },
            error: {
              code: 'file_incomplete',
              message: `The recording file is incomplete (${event.reason}); it is kept on the server for repair.`,
            },
            effects: [],
          }
        : stay(`file incomplete while ${record.status}`);
    case 'file_missing':
      return record.status === 'processing' || record.status === 'uploading'
        ? {
            to: 'failed',
            error: { code: 'file_missing', message: `no file at ${event.fileName}` },
            effects: [],
          }
        : stay(`file missing while ${record.status}`);
    case 'upload_started':
      return record.status === 'processing'
        ? { to: 'uploading', fields: { progress: { bytes: 0, total: event.total } }, effects: [] }
        : stay(`upload started while ${record.status}`);
    case 'uploaded':
      return record.status === 'uploading'
        ? { to: 'uploaded', fields: event.fields, effects: [] }
        : stay(`uploaded while ${record.status}`);
    case 'upload_failed':
      return record.status === 'processing' || record.status === 'uploading'
        ? { to: 'failed', error: { code: 'upload_failed', message: event.message }, effects: [] }
        : stay(`upload failed while ${record.status}`);
  }
}

/** A start this controller took and has not yet handed to egress (or one it resumes). */
const startsUnderWay = (record: RecordingRecord) =>
  record.status === 'starting' && record.egressId === undefined;

function startCommand(
  record: RecordingRecord,
  event: Extract<RecordingEvent, { kind: 'start_command' }>,
  context: StepContext,
): Step {
  if (record.status === 'starting') {
    // This controller's own claim, left by a crash: it takes the checks up again. Another
    // controller's claim is its own to finish, or the start deadline's to end.
    const mine = record.claim === undefined || record.claim.by === context.controllerId;
    return startsUnderWay(record) && mine && event.options.ok
      ? { effects: [{ kind: 'check_requester' }] }
      : stay('start already taken up');
  }
  if (record.status !== 'requested') return stay(`start command while ${record.status}`);
  const expired = requestExpired(record, context);
  if (expired !== undefined) return expired;
  if (event.stopAllowed === true) return { to: 'canceled', effects: [] };
  if (!event.options.ok) return { to: 'failed', error: event.options.error, effects: [] };
  return {
    to: 'starting',
    fields: { claim: { by: context.controllerId, at: context.now } },
    effects: [{ kind: 'check_requester' }],
  };
}

/** A start no controller took up within its deadline: dropped, whoever sees it first. */
function requestExpired(record: RecordingRecord, context: StepContext): Step | undefined {
  const timeoutMs = context.limits.startRequestTimeoutMs;
  if (context.now - record.requestedAt <= timeoutMs) return undefined;
  return {
    to: 'failed',
    error: {
      code: 'request_expired',
      message: `No controller took the start up within ${seconds(timeoutMs)}`,
    },
    effects: [],
  };
}

function requesterChecked(record: RecordingRecord, check: RequesterCheck): Step {
  if (!startsUnderWay(record)) return stay(`room check answered while ${record.status}`);
  switch (check) {
    case 'in_room':
      return { effects: [{ kind: 'claim_room' }] };
    case 'not_in_room':
      return fail(
        { code: 'not_in_room', message: 'Only a participant of the room can record it' },
        record,
      );
    default:
      return fail(check, record);
  }
}

function stopCommand(
  record: RecordingRecord,
  event: Extract<RecordingEvent, { kind: 'stop_command' }>,
  context: StepContext,
): Step {
  if (STOPPABLE.has(record.status) && !event.allowed) {
    return stay('the stop requester is not in the room', [
      { kind: 'withdraw_stop_request', by: event.by },
    ]);
  }
  switch (record.status) {
    case 'requested':
      return { to: 'canceled', effects: [] };
    case 'starting':
      return { to: 'canceled', effects: stopEgressOf(record) };
    case 'recording':
      return {
        to: 'stopping',
        fields: { claim: { by: context.controllerId, at: context.now } },
        effects: stopEgressOf(record),
      };
    default:
      return stay(`stop command while ${record.status}`);
  }
}

/** The file of an egress LiveKit had lost, reported after all: the recording goes on to upload. */
function lostEgressFound(record: RecordingRecord, egress: EgressSnapshot): Step | undefined {
  const ended = egress.status >= EgressStatus.EGRESS_COMPLETE;
  if (!canReopen(record, 'processing') || record.egressId !== egress.egressId) return undefined;
  if (!ended || !egressHasFile(egress)) return undefined;
  return {
    to: 'processing',
    fields: {
      ...endedFields(egress),
      egressError: 'LiveKit had lost the egress; its file was reported after it ended',
    },
    effects: [],
  };
}

function egressStep(record: RecordingRecord, egress: EgressSnapshot): Step {
  const decision = decideEgressOutcome(
    {
      status: record.status,
      egressId: record.egressId,
      stopRequested: record.stopRequestedBy !== undefined,
    },
    egress,
  );
  switch (decision.kind) {
    case 'ignore':
      return stay(decision.reason);
    case 'annotate':
      return { fields: decision.fields, effects: [] };
    case 'transition':
      return {
        to: decision.to,
        fields: decision.fields,
        ...(decision.error === undefined ? {} : { error: decision.error }),
        effects: [],
      };
    case 'stop_egress':
      return stay(decision.reason, [{ kind: 'stop_egress', egressId: egress.egressId }]);
  }
}

/** The one exit of a recording whose egress is gone or past its stop: its file, if we have one. */
function egressOver(record: RecordingRecord, fileOnDisk: boolean, why: string): Step {
  if (fileOnDisk) return { to: 'processing', fields: { egressError: why }, effects: [] };
  return {
    to: 'failed',
    error: { code: 'egress_lost', message: `${why}, and its file never reached the server` },
    effects: stopEgressOf(record),
  };
}

function deadline(
  record: RecordingRecord,
  facts: Extract<RecordingEvent, { kind: 'deadline' }>,
  context: StepContext,
): Step {
  const { now, limits } = context;
  const lost = facts.egress.kind === 'lost' && record.egressId !== undefined;
  switch (record.status) {
    case 'requested':
      return requestExpired(record, context) ?? stay('request within its deadline');
    case 'starting': {
      const since = record.claim?.at ?? record.updatedAt ?? record.requestedAt;
      if (now - since > limits.egressStartTimeoutMs) {
        return fail(
          {
            code: 'egress_start_timeout',
            message: `The recording did not start within ${seconds(limits.egressStartTimeoutMs)}`,
          },
          record,
        );
      }
      return lost
        ? egressOver(record, facts.fileOnDisk, 'LiveKit no longer knows the egress')
        : stay('starting within its deadline');
    }
    case 'recording': {
      if (lost) return egressOver(record, facts.fileOnDisk, 'LiveKit no longer knows the egress');
      const startedAt = record.startedAt ?? record.updatedAt ?? record.requestedAt;
      const idle = facts.publishing === false && now - facts.idleSince >= limits.idleTimeoutMs;
      if (now - startedAt >= limits.maxDurationMs || idle) {
        return { to: 'stopping', effects: stopEgressOf(record) };
      }
      return stay('recording within its limits');
    }
    case 'stopping': {
      if (lost) return egressOver(record, facts.fileOnDisk, 'LiveKit no longer knows the egress');
      const since = record.updatedAt ?? record.requestedAt;
      if (now - since > limits.egressStopTimeoutMs) {
        return egressOver(
          record,
          facts.fileOnDisk,
          `The egress did not finish within ${seconds(limits.egressStopTimeoutMs)} of its stop`,
        );
      }
      // A stop whose StopEgress was lost or timed out: the egress still records, so ask again.
      const stillLive =
        facts.egress.kind === 'known' && facts.egress.egress.status < EgressStatus.EGRESS_COMPLETE;
      return stay('stopping within its deadline', stillLive ? stopEgressOf(record) : []);
    }
    default:
      return stay(`no deadline while ${record.status}`);
  }
}
