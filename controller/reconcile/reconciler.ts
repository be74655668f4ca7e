import type { Database } from 'firebase-admin/database';
import { locateCommand } from '../../common/recording/command-schema.js';
import { COMMAND_QUEUE_PATH } from '../../common/recording/recording-paths.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { HOLDS_ROOM, isFinalStatus } from '../../common/recording/recording-status.js';
import type { RecordingActionDependencies } from '../commands/recording-actions.js';
import { LivekitError } from '../egress/livekit-recorder.js';
import { recordingOfEgress } from '../egress/recording-of-egress.js';
import { readOnce } from '../firebase/read-once.js';
import { isJsonObject } from '../json-object.js';
import { applyEvent } from '../records/carry-out-step.js';
import type { EgressFact, RecordingEvent } from '../records/next-step.js';

export interface ReconcilerOptions extends RecordingActionDependencies {
  readonly db: Database;
  /** Whether the recording's file is on this controller's disk (a stop past its deadline). */
  readonly fileOnDisk: (ref: RecordingRef) => Promise<boolean>;
  readonly intervalMs: number;
  /** A queued start this old is looked at by the reconciler (START_REQUEST_TIMEOUT_MS). */
  readonly startRequestTimeoutMs: number;
  readonly now?: () => number;
  /** Told after every pass how many recordings it changed (metrics). */
  readonly onPass?: (outcome: { readonly corrections: number }) => void;
}

/**
 * Keeps every active recording true to LiveKit whatever was missed: webhooks lost while the
 * controller was down, a start that hangs, a recording past its limits. Its index is the room
 * holds (`locks/held`, see records/room-holds.ts): one per recording that may hold its room, so
 * the work follows what is live, not the history of rooms and their members.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** Since when each watched recording's room has had no track (in memory: a restart resets it). */
  private readonly idleSince = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: ReconcilerOptions) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer !== undefined) return;
    void this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One pass over every active recording; a pass already under way is joined, not doubled. */
  runOnce(): Promise<void> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<void> {
    const { logger } = this.options;
    let corrections = 0;
    try {
      const watched = new Set<string>();
      for (const { roomKey, recordingId } of await this.options.store.listRoomHolds()) {
        watched.add(recordingId);
        const corrected = await this.reconcile({ roomKey, recordingId }).catch((error: unknown) => {
          logger.warn({ err: error, roomKey, recordingId }, 'could not reconcile a recording');
          return false;
        });
        if (corrected) corrections++;
      }
      for (const recordingId of this.idleSince.keys()) {
        if (!watched.has(recordingId)) this.idleSince.delete(recordingId);
      }
      corrections += await this.reconcileLeftStarts();
    } catch (error) {
      logger.warn({ err: error }, 'reconciliation pass failed');
    }
    this.options.onPass?.({ corrections });
  }

  /**
   * Start commands still queued a while after they were written: a start whose controller died
   * after its claim, before it locked the room, is found here (no lock names it) and ended by
   * its deadline; the entry of a start that is over is deleted. The queue holds only commands
   * not yet carried out, never history.
   */
  private async reconcileLeftStarts(): Promise<number> {
    const { db, logger, startRequestTimeoutMs } = this.options;
    const queue = (await readOnce(db.ref(COMMAND_QUEUE_PATH))).val() as unknown;
    if (!isJsonObject(queue)) return 0;
    const now = this.now();
    let corrections = 0;
    for (const [key, entry] of Object.entries(queue)) {
      const command = locateCommand(entry);
      if (command?.action !== 'start' || !isJsonObject(entry)) continue;
      if (typeof entry.at !== 'number' || now - entry.at < startRequestTimeoutMs) continue;
      const ref = { roomKey: command.roomKey, recordingId: command.recordingId };
      try {
        const record = await this.options.store.read(ref);
        // Later statuses hold the room lock, and the pass over the locks looks after them.
        if (record?.status === 'requested' || record?.status === 'starting') {
          const moved = await this.applyDeadline(
            ref,
            {
              egress: { kind: 'unknown' },
              publishing: undefined,
              idleSince: now,
              fileOnDisk: false,
            },
            now,
          );
          if (moved) corrections++;
          const after = await this.options.store.read(ref);
          if (after !== undefined && !isFinalStatus(after.status)) continue;
        }
        await db.ref(`${COMMAND_QUEUE_PATH}/${key}`).remove();
      } catch (error) {
        logger.warn({ err: error, ...ref }, 'could not reconcile a queued start');
      }
    }
    return corrections;
  }

  /** The deadline step with the facts gathered; true when it moved the record or acted. */
  private async applyDeadline(
    ref: RecordingRef,
    facts: Omit<Extract<RecordingEvent, { kind: 'deadline' }>, 'kind'>,
    now: number,
  ): Promise<boolean> {
    const outcome = await applyEvent(this.options, ref, { kind: 'deadline', ...facts }, now);
    return outcome.applied || outcome.effects.length > 0;
  }

  /** What LiveKit says of the recording's egress; `lost` only on a clear answer. */
  private async egressFact(ref: RecordingRef, egressId: string | undefined): Promise<EgressFact> {
    const { livekit } = this.options;
    try {
      const candidates =
        egressId === undefined
          ? await livekit.listEgress({ roomName: ref.roomKey })
          : await livekit.listEgress({ egressId });
      const egress = candidates.find(
        (candidate) => recordingOfEgress(candidate)?.recordingId === ref.recordingId,
      );
      if (egress !== undefined) return { kind: 'known', egress };
      return egressId === undefined ? { kind: 'unknown' } : { kind: 'lost' };
    } catch (error) {
      if (egressId !== undefined && error instanceof LivekitError && error.code === 'not_found') {
        return { kind: 'lost' };
      }
      this.options.logger.warn({ ...ref, err: error }, 'could not ask LiveKit for the egress');
      return { kind: 'unknown' };
    }
  }

  /** Whether anyone in the room has a track now; undefined when LiveKit cannot say. */
  private async publishing(ref: RecordingRef): Promise<boolean | undefined> {
    try {
      const participants = await this.options.livekit.listParticipants(ref.roomKey);
      return participants.some((participant) => participant.publishing);
    } catch (error) {
      // A room LiveKit closed has nobody in it.
      if (error instanceof LivekitError && error.code === 'not_found') return false;
      this.options.logger.warn({ ...ref, err: error }, 'could not list the room’s participants');
      return undefined;
    }
  }

  /**
   * Brings one recording in line: what LiveKit reports of its egress first, then its deadlines
   * with the facts gathered here. True when that changed it or asked LiveKit for something.
   */
  private async reconcile(ref: RecordingRef): Promise<boolean> {
    const { store } = this.options;
    const before = await store.read(ref);
    if (before === undefined || !HOLDS_ROOM.has(before.status)) {
      await store.releaseRoom(ref);
      return false;
    }
    const egress = await this.egressFact(ref, before.egressId);
    if (egress.kind === 'known') {
      await applyEvent(this.options, ref, { kind: 'egress', egress: egress.egress });
    }
    const record = (await store.read(ref)) ?? before;
    const now = this.now();
    const publishing = record.status === 'recording' ? await this.publishing(ref) : undefined;
    if (publishing !== false || !this.idleSince.has(ref.recordingId)) {
      this.idleSince.set(ref.recordingId, now);
    }
    const changed = await this.applyDeadline(
      ref,
      {
        egress,
        publishing,
        idleSince: this.idleSince.get(ref.recordingId) ?? now,
        fileOnDisk: await this.options.fileOnDisk(ref),
      },
      now,
    );
    return changed || record.status !== before.status;
  }
}
