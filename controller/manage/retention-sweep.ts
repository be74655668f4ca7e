import type { Database } from 'firebase-admin/database';
import { recordingRecordSchema } from '../../common/recording/recording-record.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { isFinalStatus } from '../../common/recording/recording-status.js';
import { isJsonObject } from '../json-object.js';
import type { Logger } from '../logging/logger.js';

const DAY_MS = 24 * 3600 * 1000;
/** Rooms read per query: the sweep holds one page of rooms' records at a time, never the tree. */
const ROOMS_PER_PAGE = 20;

export type RetentionVerdict = 'expired' | 'kept' | 'active' | 'malformed';

/**
 * Pure: what retention does with one record. Age runs from `requestedAt` (the server's clock
 * at creation). An old recording that is not final is left to the reconciler and reported.
 */
export function retentionVerdict(raw: unknown, cutoffMs: number): RetentionVerdict {
  const parsed = recordingRecordSchema.safeParse(raw);
  if (!parsed.success) return 'malformed';
  if (parsed.data.requestedAt >= cutoffMs) return 'kept';
  return isFinalStatus(parsed.data.status) ? 'expired' : 'active';
}

export interface RetentionSweepOptions {
  readonly db: Database;
  readonly logger: Logger;
  readonly days: number;
  /** Report what would be deleted, delete nothing. */
  readonly dryRun: boolean;
  readonly intervalMs: number;
  readonly now: () => number;
  /** Deletes exactly as `DELETE /recordings/...` does. */
  readonly deleteRecording: (ref: RecordingRef) => Promise<unknown>;
  readonly onSweep?: (report: RetentionReport) => void;
}

export interface RetentionReport {
  readonly dryRun: boolean;
  readonly cutoffMs: number;
  /** Deleted, or in a dry run what would have been. */
  readonly expired: readonly RecordingRef[];
  readonly failed: readonly RecordingRef[];
  /** Older than the cutoff but not final: kept, reported. */
  readonly active: readonly RecordingRef[];
}

/**
 * RECORDING_RETENTION_DAYS: every `intervalMs` (and once at start), deletes recordings older
 * than the limit. It pages through `recordings/` by room key, `ROOMS_PER_PAGE` rooms a query,
 * so memory follows the page, not the history. Several controllers may sweep at once: a
 * deletion that loses the race finds the record gone and is counted as failed, nothing worse.
 */
export class RetentionSweep {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionReport> | undefined;

  constructor(private readonly options: RetentionSweepOptions) {}

  start(): void {
    if (this.timer !== undefined) return;
    const sweepLogged = () =>
      void this.sweep().catch((error: unknown) => {
        this.options.logger.warn({ err: error }, 'retention sweep failed; the next one retries');
      });
    sweepLogged();
    this.timer = setInterval(sweepLogged, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** One sweep now; a sweep already under way is joined, not doubled. */
  sweep(): Promise<RetentionReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<RetentionReport> {
    const { db, logger, dryRun } = this.options;
    const cutoffMs = this.options.now() - this.options.days * DAY_MS;
    const report = { dryRun, cutoffMs, expired: [], failed: [], active: [] } as {
      dryRun: boolean;
      cutoffMs: number;
      expired: RecordingRef[];
      failed: RecordingRef[];
      active: RecordingRef[];
    };
    let after: string | undefined;
    for (;;) {
      let query = db.ref('recordings').orderByKey();
      // startAt includes the last room of the previous page: one more, and skip it.
      if (after !== undefined) query = query.startAt(after);
      const page = await query.limitToFirst(ROOMS_PER_PAGE + (after === undefined ? 0 : 1)).get();
      const rooms: [string, Record<string, unknown>][] = [];
      page.forEach((room) => {
        const value: unknown = room.val();
        if (room.key === null || room.key === after) return;
        rooms.push([room.key, isJsonObject(value) ? value : {}]);
      });
      for (const [roomKey, recordings] of rooms) {
        for (const [recordingId, raw] of Object.entries(recordings)) {
          const ref = { roomKey, recordingId };
          const verdict = retentionVerdict(raw, cutoffMs);
          if (verdict === 'active') report.active.push(ref);
          if (verdict !== 'expired') continue;
          if (dryRun) {
            logger.info({ ...ref, cutoffMs }, 'retention would delete this recording (dry run)');
            report.expired.push(ref);
            continue;
          }
          try {
            await this.options.deleteRecording(ref);
            logger.info({ ...ref, cutoffMs }, 'retention deleted this recording');
            report.expired.push(ref);
          } catch (error) {
            logger.warn({ ...ref, err: error }, 'retention could not delete this recording');
            report.failed.push(ref);
          }
        }
      }
      const last = rooms.at(-1)?.[0];
      if (last === undefined || rooms.length < ROOMS_PER_PAGE) break;
      after = last;
    }
    logger.info(
      {
        dryRun,
        cutoffMs,
        expired: report.expired.length,
        failed: report.failed.length,
        activePastCutoff: report.active.length,
      },
      dryRun ? 'retention sweep (dry run) done' : 'retention sweep done',
    );
    this.options.onSweep?.(report);
    return report;
  }
}
