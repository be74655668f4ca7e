import { posix } from 'node:path';
import type { RecordingError } from '../../common/recording/recording-error-codes.js';
import { recordingFileName } from '../../common/recording/recording-paths.js';
import {
  type RecordingRecord,
  recordingRecordOf,
} from '../../common/recording/recording-record.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { Config } from '../config/load-config.js';
import type { EgressSnapshot } from '../egress/egress-snapshot.js';
import { LivekitError, type ParticipantView } from '../egress/livekit-recorder.js';
import { recordingOfEgress } from '../egress/recording-of-egress.js';
import { applyEvent, carryOut, type StepDependencies } from '../records/carry-out-step.js';
import type { OptionsVerdict, RecordingEvent, RequesterCheck } from '../records/next-step.js';
import { checkRecordingOptions, type EgressChoice, optionsOfRecord } from './recording-options.js';

export interface RecordingActionDependencies extends StepDependencies {
  readonly recording: Pick<
    Config['recording'],
    'egressOutputDir' | 'layout' | 'preset' | 'allowedPresets' | 'video'
  >;
}

/**
 * A LiveKit failure as the recording's error: what the participant is told. `not_found` on a
 * room call is the room: LiveKit does not have it open (nobody is in it).
 */
function egressFailure(error: unknown): RecordingError {
  if (error instanceof LivekitError && error.code === 'not_found') {
    return { code: 'room_not_found', message: 'The room is not open on LiveKit: nobody is in it' };
  }
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

async function checkRequester(
  participants: Promise<ParticipantView[]>,
  requester: string,
): Promise<RequesterCheck> {
  try {
    const inRoom = await participants;
    return inRoom.some((participant) => participant.identity === requester)
      ? 'in_room'
      : 'not_in_room';
  } catch (error) {
    return egressFailure(error);
  }
}

/** Starts the room composite, or finds the one a crashed run of this start already started. */
async function startEgress(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  choice: EgressChoice,
): Promise<RecordingEvent> {
  try {
    const active = await deps.livekit.listEgress({ roomName: ref.roomKey, active: true });
    const adopted = active.find(
      (candidate) => recordingOfEgress(candidate)?.recordingId === ref.recordingId,
    );
    if (adopted !== undefined) {
      deps.logger.info({ ...ref, egressId: adopted.egressId }, 'adopting an earlier run’s egress');
      return { kind: 'egress', egress: adopted };
    }
    const egress: EgressSnapshot = await deps.livekit.startRoomComposite({
      roomName: ref.roomKey,
      filepath: posix.join(
        deps.recording.egressOutputDir,
        recordingFileName(ref.roomKey, ref.recordingId),
      ),
      choice,
    });
    return { kind: 'egress', egress };
  } catch (error) {
    deps.logger.warn({ ...ref, err: error }, 'egress did not start');
    return { kind: 'egress_start_failed', error: egressFailure(error) };
  }
}

/**
 * Whether `requester` may stop the recording: the one who started it may, anyone else must be in
 * the room (the rules let any member write a stop; they cannot see LiveKit rooms). When LiveKit
 * cannot say, the stop goes ahead: stopping never records anyone.
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

function optionsVerdict(check: ReturnType<typeof checkRecordingOptions>): OptionsVerdict {
  if (check.ok) return { ok: true };
  return {
    ok: false,
    error:
      check.code === 'video_not_supported'
        ? { code: check.code, message: check.message }
        : { code: 'invalid_command', message: `${check.code}: ${check.message}` },
  };
}

/**
 * A start command. The record's own `requested → starting` transaction is the claim: it tells
 * every participant at once that the start was taken up, and only one controller wins it. Then
 * the requester must be in the room and the room free, and only then is the room locked (the
 * indicator) and the egress started. A record this controller left in `starting` (a crash) goes
 * through the same checks again; another controller's is ended by the start deadline.
 */
async function startRecording(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  requester: string,
  record: RecordingRecord,
): Promise<void> {
  const options = checkRecordingOptions(optionsOfRecord(record), deps.recording);
  const stopAllowed =
    record.status === 'requested' && record.stopRequestedBy !== undefined
      ? await mayStop(deps, ref, record, record.stopRequestedBy)
      : undefined;
  const claimed = deps.store.step(
    ref,
    { kind: 'start_command', options: optionsVerdict(options), stopAllowed },
    { seen: record },
  );
  // Asked beside the claim, after it is sent: the room check overlaps its round trip.
  const participants =
    record.status === 'requested' && options.ok && stopAllowed !== true
      ? lookUpParticipants(deps, ref.roomKey)
      : undefined;
  await carryOut(deps, ref, await claimed, {
    checkRequester: async () => ({
      kind: 'requester_checked',
      check: await checkRequester(
        participants ?? deps.livekit.listParticipants(ref.roomKey),
        requester,
      ),
    }),
    startEgress: () =>
      options.ok
        ? startEgress(deps, ref, options.choice)
        : Promise.resolve({ kind: 'invalid_command', reason: options.message }),
  });
}

/** A stop command: before the egress started the recording is canceled, after it, stopped. */
async function stopRecording(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  requester: string,
  record: RecordingRecord,
): Promise<void> {
  const allowed = await mayStop(deps, ref, record, requester);
  const step = await deps.store.step(
    ref,
    { kind: 'stop_command', by: requester, allowed },
    { seen: record },
  );
  await carryOut(deps, ref, step);
}

/** A start or a stop command, on its record as the command inbox read it (raw). */
export async function carryOutCommand(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  command: { readonly action: 'start' | 'stop'; readonly by: string },
  read: unknown,
): Promise<void> {
  const record = recordingRecordOf(read);
  if (record === undefined) return;
  if (command.action === 'start') await startRecording(deps, ref, command.by, record);
  else await stopRecording(deps, ref, command.by, record);
}

/** Fails the recording an invalid command names and stops its egress if it had one. */
export async function rejectCommand(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  reason: string,
): Promise<void> {
  await applyEvent(deps, ref, { kind: 'invalid_command', reason });
}
