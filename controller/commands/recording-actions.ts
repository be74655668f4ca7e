import { posix } from 'node:path';
import type { RecordingError } from '../../common/recording/recording-error-codes.js';
import { recordingFileName } from '../../common/recording/recording-paths.js';
import {
  type RecordingRecord,
  recordingRecordOf,
} from '../../common/recording/recording-record.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { Config } from '../config/load-config.js';
import { stopEgressQuietly } from '../egress/egress-effects.js';
import type { EgressSnapshot } from '../egress/egress-snapshot.js';
import {
  LivekitError,
  type LivekitRecorder,
  type ParticipantView,
} from '../egress/livekit-recorder.js';
import { recordingOfEgress } from '../egress/recording-of-egress.js';
import type { Logger } from '../logging/logger.js';
import type {
  OptionsVerdict,
  RecordingEvent,
  RequesterCheck,
  StepEffect,
} from '../records/next-step.js';
import type { RecordingStore, StepOutcome } from '../records/recording-store.js';
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

/** A LiveKit failure as the recording's error: what the participant is told. */
export function egressFailure(error: unknown): RecordingError {
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
    if (error instanceof LivekitError && error.code === 'not_found') return 'room_not_found';
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
    if (error instanceof LivekitError && error.code === 'not_found') {
      return { kind: 'requester_checked', check: 'room_not_found' };
    }
    return { kind: 'egress_start_failed', error: egressFailure(error) };
  }
}

/** What a start needs to carry out its effects. */
interface StartContext {
  readonly requester: string;
  readonly choice: EgressChoice | undefined;
  /** The participants, asked for beside the claim; asked again if absent. */
  readonly participants: Promise<ParticipantView[]> | undefined;
}

/**
 * Carries out a step's effects, each of which may answer with the next event, until none is
 * left. Never decides a status: `RecordingStore.step` does. A StopEgress is never awaited: it
 * may block for seconds while Chrome launches, and the reconciler asks again.
 */
async function carryOut(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  first: StepOutcome,
  start: StartContext | undefined,
): Promise<void> {
  let effects: readonly StepEffect[] = first.effects;
  while (effects.length > 0) {
    let next: RecordingEvent | undefined;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'stop_egress':
          void stopEgressQuietly(deps, ref, effect.egressId);
          break;
        case 'withdraw_stop_request':
          deps.logger.warn({ ...ref, requester: effect.by }, 'stop refused: not in the room');
          await deps.store.withdrawStopRequest(ref, effect.by);
          break;
        case 'check_requester':
          if (start === undefined) break;
          next = {
            kind: 'requester_checked',
            check: await checkRequester(
              start.participants ?? deps.livekit.listParticipants(ref.roomKey),
              start.requester,
            ),
          };
          break;
        case 'claim_room': {
          const claim = await deps.store.claimRoom(ref);
          next = { kind: 'room_lock', holder: claim.claimed ? undefined : claim.active };
          break;
        }
        case 'start_egress':
          if (start?.choice === undefined) break;
          next = await startEgress(deps, ref, start.choice);
          break;
      }
    }
    effects = next === undefined ? [] : (await deps.store.step(ref, next)).effects;
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
  const stopAllowed =
    record.status === 'requested' && record.stopRequestedBy !== undefined
      ? await mayStop(deps, ref, record, record.stopRequestedBy)
      : undefined;
  const claimed = deps.store.step(ref, {
    kind: 'start_command',
    options: optionsVerdict(options),
    stopAllowed,
  });
  // Asked beside the claim, after it is sent: the room check overlaps its round trip.
  const participants =
    record.status === 'requested' && options.ok && stopAllowed !== true
      ? lookUpParticipants(deps, ref.roomKey)
      : undefined;
  await carryOut(deps, ref, await claimed, {
    requester,
    choice: options.ok ? options.choice : undefined,
    participants,
  });
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
  const allowed = await mayStop(deps, ref, record, requester);
  const step = await deps.store.step(ref, { kind: 'stop_command', by: requester, allowed });
  await carryOut(deps, ref, step, undefined);
}

/** Fails the recording an invalid command names and stops its egress if it had one. */
export async function rejectCommand(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  reason: string,
): Promise<void> {
  const step = await deps.store.step(ref, { kind: 'invalid_command', reason });
  await carryOut(deps, ref, step, undefined);
}

/** What an egress report (webhook or ListEgress) means for its record, applied. */
export async function applyEgressReport(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  egress: EgressSnapshot,
): Promise<void> {
  const step = await deps.store.step(ref, { kind: 'egress', egress });
  if (step.reason === 'no record') {
    deps.logger.warn({ ...ref, egressId: egress.egressId }, 'egress has no recording record');
  }
  await carryOut(deps, ref, step, undefined);
}

/** A deadline pass's facts about one recording, applied (the reconciler). */
export async function applyDeadline(
  deps: RecordingActionDependencies,
  ref: RecordingRef,
  facts: Extract<RecordingEvent, { kind: 'deadline' }>,
  now: number,
): Promise<boolean> {
  const step = await deps.store.step(ref, facts, now);
  await carryOut(deps, ref, step, undefined);
  return step.applied || step.effects.length > 0;
}
