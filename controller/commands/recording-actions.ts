import { posix } from 'node:path';
import type { RecordingError } from '../../common/recording/recording-error-codes.js';
import { recordingFileName } from '../../common/recording/recording-paths.js';
import {
  type RecordingRecord,
  recordingRecordOf,
} from '../../common/recording/recording-record.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { STOPPABLE } from '../../common/recording/recording-status.js';
import type { Config } from '../config/load-config.js';
import { applyEgressOutcome } from '../egress/apply-egress-outcome.js';
import type { EgressSnapshot } from '../egress/egress-snapshot.js';
import {
  LivekitError,
  type LivekitRecorder,
  type ParticipantView,
} from '../egress/livekit-recorder.js';
import { recordingOfEgress } from '../egress/recording-of-egress.js';
import type { Logger } from '../logging/logger.js';
import type { RecordingStore } from '../records/recording-store.js';
import { checkRecordingOptions, type EgressChoice, optionsOfRecord } from './recording-options.js';

export interface RecordingActionDependencies {
  readonly store: RecordingStore;
  readonly livekit: LivekitRecorder;
  readonly logger: Logger;
  readonly recording: Pick<
    Config['recording'],
    'egressOutputDir' | 'layout' | 'preset' | 'allowedPresets' | 'video'
  >;
}

function egressFailure(error: unknown): RecordingError {
  if (error instanceof LivekitError && error.code !== 'livekit_refused') {
    return { code: 'egress_unavailable', message: error.message };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'egress_failed', message: `LiveKit refused to start the recording: ${message}` };
}

/** The room's participants, asked for now; a rejection is kept for whoever awaits it. */
function lookUpParticipants(
  deps: RecordingActionDependencies,
  roomKey: string,
): Promise<ParticipantView[]> {
  const participants = deps.livekit.listParticipants(roomKey);
  // Asked for beside the acknowledgement; unawaited when that is not applied.
  participants.catch(() => {});
  return participants;
}

/** Starts the room composite for a record in `starting`, or adopts one a crashed run started. */
async function launchEgress(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  choice: EgressChoice,
): Promise<void> {
  const log = deps.logger.child(ref);
  let egress: EgressSnapshot | undefined;
  try {
    const active = await deps.livekit.listEgress({ roomName: ref.roomKey, active: true });
    egress = active.find(
      (candidate) => recordingOfEgress(candidate)?.recordingId === ref.recordingId,
    );
  } catch (error) {
    await deps.store.transition(ref, 'failed', { error: egressFailure(error) });
    return;
  }
  if (egress === undefined) {
    try {
      egress = await deps.livekit.startRoomComposite({
        roomName: ref.roomKey,
        filepath: posix.join(
          deps.recording.egressOutputDir,
          recordingFileName(ref.roomKey, ref.recordingId),
        ),
        choice,
      });
    } catch (error) {
      log.warn({ err: error }, 'egress did not start');
      await deps.store.transition(ref, 'failed', { error: egressFailure(error) });
      return;
    }
  } else {
    log.info({ egressId: egress.egressId }, 'adopting the egress an earlier run started');
  }
  if (!(await deps.store.annotate(ref, { egressId: egress.egressId }))) {
    // The record ended while the egress was starting (a stop, a timeout): it must not record on.
    log.info(
      { egressId: egress.egressId },
      'recording ended while its egress started; stopping it',
    );
    await deps.livekit.stopEgress(egress.egressId).catch((error: unknown) => {
      log.warn({ err: error }, 'could not stop the egress');
    });
    return;
  }
  await applyEgressOutcome(deps, ref, egress);
}

/**
 * Whether `requester` may stop the recording: the one who started it may, anyone else must be in
 * the room (the rules let any signed-in user write a stop; they cannot see LiveKit rooms). When
 * LiveKit cannot say, the stop goes ahead: stopping never records anyone.
 */
async function mayStop(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  record: RecordingRecord,
  requester: string,
): Promise<boolean> {
  if (requester === record.requestedBy) return true;
  try {
    const participants = await deps.livekit.listParticipants(ref.roomKey);
    return participants.some((participant) => participant.identity === requester);
  } catch (error) {
    deps.logger.warn({ ...ref, err: error }, 'could not check the stop requester; stopping');
    return true;
  }
}

/**
 * A start command. `starting` is written first, as soon as the command is this controller's: it
 * tells every participant at once that the start was taken up (DESIGN §3). Then the requester
 * must be in the room and the room free, and only then is the room locked (the indicator) and
 * the egress started; a failed check moves `starting` to `failed` with its code. A record found
 * in `starting` without an egress (a crash, a second controller) goes through the same checks
 * again, so re-running the command moves the record no further than once.
 */
export async function startRecording(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  requester: string,
  /** The record as the command inbox read it (raw). */
  read: unknown,
): Promise<void> {
  const record = recordingRecordOf(read);
  if (record === undefined) return;
  const options = checkRecordingOptions(optionsOfRecord(record), deps.recording);
  let participants: Promise<ParticipantView[]> | undefined;
  if (record.status === 'requested') {
    // A stop written before the start was processed cancels it, if its author may stop at all.
    if (
      record.stopRequestedBy !== undefined &&
      (await mayStop(deps, ref, record, record.stopRequestedBy))
    ) {
      await deps.store.transition(ref, 'canceled');
      return;
    }
    if (!options.ok) {
      await deps.store.transition(ref, 'failed', {
        error:
          options.code === 'video_not_supported'
            ? { code: options.code, message: options.message }
            : { code: 'invalid_command', message: `${options.code}: ${options.message}` },
      });
      return;
    }
    const acknowledged = deps.store.transition(ref, 'starting');
    // Asked beside the acknowledgement, after it is sent: the check overlaps its round trip.
    participants = lookUpParticipants(deps, ref.roomKey);
    if (!(await acknowledged).applied) return;
  } else if (record.status !== 'starting' || record.egressId !== undefined || !options.ok) {
    return;
  }
  let inRoom: ParticipantView[];
  try {
    inRoom = await (participants ?? deps.livekit.listParticipants(ref.roomKey));
  } catch (error) {
    await deps.store.transition(ref, 'failed', { error: egressFailure(error) });
    return;
  }
  if (!inRoom.some((participant) => participant.identity === requester)) {
    await deps.store.transition(ref, 'failed', {
      error: { code: 'not_in_room', message: 'Only a participant of the room can record it' },
    });
    return;
  }
  const claim = await deps.store.claimRoom(ref);
  if (!claim.claimed) {
    await deps.store.transition(ref, 'failed', {
      error: {
        code: 'already_recording',
        message: `This room is already being recorded (recording ${claim.active.recordingId}, ${claim.active.status})`,
      },
    });
    return;
  }
  await launchEgress(deps, ref, options.choice);
}

/** A stop command: before the egress started the recording is canceled, after it, stopped. */
export async function stopRecording(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  requester: string,
  /** The record as the command inbox read it (raw). */
  read: unknown,
): Promise<void> {
  const record = recordingRecordOf(read);
  if (record === undefined) return;
  const log = deps.logger.child(ref);
  if (STOPPABLE.has(record.status) && !(await mayStop(deps, ref, record, requester))) {
    log.warn({ requester }, 'stop refused: the requester is not in the room');
    await deps.store.withdrawStopRequest(ref, requester);
    return;
  }
  const stopEgress = async (egressId: string) => {
    await deps.livekit.stopEgress(egressId).catch((error: unknown) => {
      // The reconciler compares the record with ListEgress again and finishes the job.
      log.warn({ err: error, egressId }, 'StopEgress failed');
    });
  };
  switch (record.status) {
    case 'requested':
      await deps.store.transition(ref, 'canceled');
      return;
    case 'starting': {
      const canceled = await deps.store.transition(ref, 'canceled');
      const egressId = canceled.record?.egressId ?? record.egressId;
      if (egressId !== undefined) await stopEgress(egressId);
      return;
    }
    case 'recording': {
      const stopping = await deps.store.transition(ref, 'stopping');
      const egressId = stopping.record?.egressId ?? record.egressId;
      if (egressId !== undefined) await stopEgress(egressId);
      return;
    }
    default:
      log.debug(
        { status: record.status },
        'stop command for a recording that is already stopping or over',
      );
  }
}

/** Fails a recording and, if it still had a live egress, stops that egress. */
export async function failRecording(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  error: RecordingError,
): Promise<void> {
  const failed = await deps.store.transition(ref, 'failed', { error });
  const egressId = failed.record?.egressId;
  if (failed.applied && egressId !== undefined) {
    await deps.livekit.stopEgress(egressId).catch((stopError: unknown) => {
      deps.logger.warn(
        { ...ref, egressId, err: stopError },
        'could not stop the egress of a failed recording',
      );
    });
  }
}
