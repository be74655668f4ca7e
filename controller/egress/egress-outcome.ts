import { EgressStatus } from 'livekit-server-sdk';
import type { RecordingError } from '../../common/recording/recording-error-codes.js';
import { isFinalStatus, type RecordingStatus } from '../../common/recording/recording-status.js';
import type { EgressSnapshot } from './egress-snapshot.js';

/** The part of a record that decides what an egress event means for it. */
export interface RecordView {
  readonly status: RecordingStatus;
  readonly egressId: string | undefined;
  readonly stopRequested: boolean;
}

/** Controller-owned fields an egress event may fill in. */
export interface EgressFields {
  readonly egressId?: string;
  readonly startedAt?: number;
  readonly endedAt?: number;
  readonly durationMs?: number;
  readonly sizeBytes?: number;
  readonly egressError?: string;
}

export type EgressDecision =
  | { readonly kind: 'ignore'; readonly reason: string }
  | { readonly kind: 'annotate'; readonly fields: EgressFields }
  | {
      readonly kind: 'transition';
      readonly to: RecordingStatus;
      readonly fields: EgressFields;
      readonly error?: RecordingError;
    }
  /** The egress is alive but its record is over: stop it so it does not record on. */
  | { readonly kind: 'stop_egress'; readonly reason: string };

const isLive = (status: EgressStatus) => status < EgressStatus.EGRESS_COMPLETE;

const ignore = (reason: string): EgressDecision => ({ kind: 'ignore', reason });

/** What an ended egress tells of its file, written on its record. */
export function endedFields(egress: EgressSnapshot): EgressFields {
  return {
    egressId: egress.egressId,
    endedAt: egress.endedAtMs,
    durationMs: egress.file?.durationMs,
    sizeBytes: egress.file?.sizeBytes,
  };
}

/** Whether the egress reports a file with at least one byte. */
export const egressHasFile = (egress: EgressSnapshot) =>
  egress.file !== undefined && egress.file.sizeBytes > 0;

/**
 * An egress that ended with a file goes to `processing`, whatever its final status: a shutdown,
 * a room connection lost by an audio-only egress or a size limit still leave a complete MP4,
 * and the file pipeline judges it (an incomplete one fails `file_incomplete`, kept). What egress
 * said goes in `egressError`. Without a file, `withoutFile` decides.
 */
function ended(egress: EgressSnapshot, withoutFile: EgressDecision): EgressDecision {
  if (!egressHasFile(egress)) return withoutFile;
  const said =
    egress.error ?? (egress.status === EgressStatus.EGRESS_COMPLETE ? undefined : egress.details);
  return {
    kind: 'transition',
    to: 'processing',
    fields: { ...endedFields(egress), ...(said === undefined ? {} : { egressError: said }) },
  };
}

const failedWith = (egress: EgressSnapshot, error: RecordingError): EgressDecision => ({
  kind: 'transition',
  to: 'failed',
  fields: endedFields(egress),
  error,
});

/**
 * Pure: what an egress snapshot (from a webhook or from ListEgress) means for a record. Events may
 * come twice, late or never, so a decision only ever moves a record forward.
 */
export function decideEgressOutcome(record: RecordView, egress: EgressSnapshot): EgressDecision {
  const sameEgress = record.egressId === undefined || record.egressId === egress.egressId;
  if (isFinalStatus(record.status) || !sameEgress) {
    return isLive(egress.status)
      ? { kind: 'stop_egress', reason: `record is ${record.status}` }
      : ignore(`record is ${record.status}`);
  }
  const moving = record.status === 'starting' || record.status === 'recording';
  const stillRecording = moving || record.status === 'stopping';
  switch (egress.status) {
    case EgressStatus.EGRESS_STARTING:
      return record.egressId === undefined && record.status === 'starting'
        ? { kind: 'annotate', fields: { egressId: egress.egressId } }
        : ignore('egress is starting');
    case EgressStatus.EGRESS_ACTIVE:
      return record.status === 'starting'
        ? {
            kind: 'transition',
            to: 'recording',
            fields: { egressId: egress.egressId, startedAt: egress.startedAtMs },
          }
        : ignore(`egress active while record is ${record.status}`);
    case EgressStatus.EGRESS_ENDING:
      return moving
        ? { kind: 'transition', to: 'stopping', fields: { egressId: egress.egressId } }
        : ignore(`egress ending while record is ${record.status}`);
    case EgressStatus.EGRESS_COMPLETE:
      if (!stillRecording) return ignore(`egress complete while record is ${record.status}`);
      return ended(
        egress,
        failedWith(egress, {
          code: 'nothing_to_record',
          message: 'The recording ended without a file: nothing was published',
        }),
      );
    case EgressStatus.EGRESS_LIMIT_REACHED:
      if (!stillRecording) return ignore(`egress limit reached while record is ${record.status}`);
      return ended(
        egress,
        failedWith(egress, {
          code: 'egress_failed',
          message: egress.error ?? 'The egress reached its session limit without a file',
        }),
      );
    case EgressStatus.EGRESS_ABORTED:
      if (!stillRecording) return ignore(`egress aborted while record is ${record.status}`);
      // Aborted after a stop: stopped before anything was recorded, which is a cancel.
      return ended(
        egress,
        record.stopRequested
          ? { kind: 'transition', to: 'canceled', fields: endedFields(egress) }
          : failedWith(egress, {
              code: 'nothing_to_record',
              message: egress.error ?? 'The egress stopped before anything was published',
            }),
      );
    case EgressStatus.EGRESS_FAILED:
      if (!stillRecording) return ignore(`egress failed while record is ${record.status}`);
      return ended(
        egress,
        failedWith(egress, {
          code: 'egress_failed',
          message: egress.error ?? egress.details ?? 'The egress failed',
        }),
      );
    default:
      return ignore(`unknown egress status ${String(egress.status)}`);
  }
}
