import type { Database } from 'firebase-admin/database';
import { EgressStatus } from 'livekit-server-sdk';
import { z } from 'zod';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { HOLDS_ROOM } from '../../common/recording/recording-status.js';
import { failRecording, type RecordingActionDependencies } from '../commands/recording-actions.js';
import { applyEgressOutcome } from '../egress/apply-egress-outcome.js';
import type { EgressSnapshot } from '../egress/egress-snapshot.js';
import { recordingOfEgress } from '../egress/recording-of-egress.js';
import { readOnce } from '../firebase/read-once.js';
import { checkDeadlines, type DeadlineLimits } from './deadlines.js';

export interface ReconcilerOptions extends RecordingActionDependencies {
  readonly db: Database;
  readonly limits: DeadlineLimits;
  readonly intervalMs: number;
  readonly now?: () => number;
  /** Told after every pass how many recordings it changed (metrics). */
  readonly onPass?: (outcome: { readonly corrections: number }) => void;
}

const roomsSchema = z.record(
  z.string(),
  z.object({ activeRecording: z.object({ recordingId: z.string() }).optional() }).loose(),
);

/**
 * Keeps every active recording true to LiveKit whatever was missed: webhooks lost while the
 * controller was down, a start that hangs, a recording past its limits. The room locks under
 * `rooms/` are its index: one per active recording, so the work follows what is live, not history.
 */
export class Reconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  /** When each watched recording's room last had a publisher (in memory: a restart resets it). */
  private readonly lastPublisherAt = new Map<string, number>();
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
      const rooms = roomsSchema.safeParse(
        (await readOnce(this.options.db.ref('rooms'))).val() ?? {},
      );
      if (!rooms.success) {
        logger.error({ issues: rooms.error.issues.length }, 'rooms/ holds malformed locks');
        return;
      }
      const watched = new Set<string>();
      for (const [roomKey, room] of Object.entries(rooms.data)) {
        const recordingId = room.activeRecording?.recordingId;
        if (recordingId === undefined) continue;
        watched.add(recordingId);
        const corrected = await this.reconcile({ roomKey, recordingId }).catch((error: unknown) => {
          logger.warn({ err: error, roomKey, recordingId }, 'could not reconcile a recording');
          return false;
        });
        if (corrected) corrections++;
      }
      for (const recordingId of this.lastPublisherAt.keys()) {
        if (!watched.has(recordingId)) this.lastPublisherAt.delete(recordingId);
      }
    } catch (error) {
      logger.warn({ err: error }, 'reconciliation pass failed');
    }
    this.options.onPass?.({ corrections });
  }

  private async findEgress(
    ref: RecordingRef,
    egressId: string | undefined,
  ): Promise<EgressSnapshot | undefined> {
    const { livekit } = this.options;
    const candidates =
      egressId === undefined
        ? await livekit.listEgress({ roomName: ref.roomKey })
        : await livekit.listEgress({ egressId });
    return candidates.find((egress) => recordingOfEgress(egress)?.recordingId === ref.recordingId);
  }

  /** Brings one recording in line; true when that changed it (a correction). */
  private async reconcile(ref: RecordingRef): Promise<boolean> {
    const { store, livekit, logger } = this.options;
    const before = await store.read(ref);
    if (before === undefined || !HOLDS_ROOM.has(before.status)) {
      await store.releaseRoom(ref);
      return false;
    }
    const egress = await this.findEgress(ref, before.egressId);
    if (egress !== undefined) await applyEgressOutcome(this.options, ref, egress);
    const record = (await store.read(ref)) ?? before;
    const now = this.now();
    if (record.status === 'recording') await this.watchPublishers(ref, now);
    const verdict = checkDeadlines(
      record,
      this.options.limits,
      now,
      this.lastPublisherAt.get(ref.recordingId) ?? now,
    );
    const log = logger.child(ref);
    switch (verdict.kind) {
      case 'start_timeout':
        log.warn({ egressId: record.egressId }, 'egress did not start in time');
        await failRecording(this.options, ref, {
          code: 'egress_start_timeout',
          message: `The recording did not start within ${Math.round(this.options.limits.egressStartTimeoutMs / 1000)} s`,
        });
        return true;
      case 'stop': {
        log.info({ reason: verdict.reason }, 'stopping a recording at its limit');
        const stopping = await store.transition(ref, 'stopping');
        const egressId = stopping.record?.egressId ?? record.egressId;
        if (egressId !== undefined) await livekit.stopEgress(egressId);
        return true;
      }
      case 'none':
        // A stop whose StopEgress was lost: the egress still records, so ask again.
        if (record.status === 'stopping' && egress?.status === EgressStatus.EGRESS_ACTIVE) {
          await livekit.stopEgress(egress.egressId);
          return true;
        }
        return record.status !== before.status;
    }
  }

  private async watchPublishers(ref: RecordingRef, now: number): Promise<void> {
    if (!this.lastPublisherAt.has(ref.recordingId)) this.lastPublisherAt.set(ref.recordingId, now);
    const participants = await this.options.livekit.listParticipants(ref.roomKey);
    if (participants.some((participant) => participant.isPublisher)) {
      this.lastPublisherAt.set(ref.recordingId, now);
    }
  }
}
