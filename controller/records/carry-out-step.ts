import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { stopEgressQuietly } from '../egress/egress-effects.js';
import type { LivekitRecorder } from '../egress/livekit-recorder.js';
import type { Logger } from '../logging/logger.js';
import type { RecordingEvent, StepEffect } from './next-step.js';
import type { RecordingStore, StepOutcome } from './recording-store.js';

export interface StepDependencies {
  readonly store: RecordingStore;
  readonly livekit: LivekitRecorder;
  readonly logger: Logger;
}

/** The effects only a start command can carry out: it holds the requester and the options. */
export interface StartEffects {
  /** Is the requester in the room? → `requester_checked`. */
  checkRequester(): Promise<RecordingEvent>;
  /** Start (or adopt) the room composite → `egress` or `egress_start_failed`. */
  startEgress(): Promise<RecordingEvent>;
}

/**
 * Carries out a step's effects; an effect may answer with the next event, which is stepped in
 * turn, until no effect is left. Decides nothing: `nextStep` did. A StopEgress is never awaited:
 * the real server holds it for seconds while Chrome launches, and the reconciler asks again.
 */
export async function carryOut(
  deps: StepDependencies,
  ref: RecordingRef,
  outcome: StepOutcome,
  start?: StartEffects,
): Promise<void> {
  let effects: readonly StepEffect[] = outcome.effects;
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
        case 'claim_room': {
          const claim = await deps.store.claimRoom(ref);
          next = { kind: 'room_lock', holder: claim.claimed ? undefined : claim.active };
          break;
        }
        case 'check_requester':
          next = await start?.checkRequester();
          break;
        case 'start_egress':
          next = await start?.startEgress();
          break;
      }
    }
    effects = next === undefined ? [] : (await deps.store.step(ref, next)).effects;
  }
}

/** What one event means for its record, applied and carried out (webhooks, the reconciler). */
export async function applyEvent(
  deps: StepDependencies,
  ref: RecordingRef,
  event: RecordingEvent,
  now?: number,
): Promise<StepOutcome> {
  const outcome = await deps.store.step(ref, event, { now });
  await carryOut(deps, ref, outcome);
  return outcome;
}
