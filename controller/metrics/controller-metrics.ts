import { performance } from 'node:perf_hooks';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { RecordingStatus } from '../../common/recording/recording-status.js';
import type { WebhookEventLabel, WebhookVerification } from '../egress/webhook-routes.js';
import type { TransitionObserver } from '../records/recording-store.js';

export type CommandOutcome = 'executed' | 'invalid_command' | 'orphan_command' | 'error';

export interface ControllerMetricsOptions {
  /** Active recordings by status, read at scrape time from the room locks (never history). */
  readonly activeRecordings: () => Promise<ReadonlyMap<RecordingStatus, number>>;
}

const PREFIX = 'recorder_';

/**
 * What an operator watches, in one registry per controller (never prom-client's global one,
 * so several controllers in one process, as in tests, keep their own counts). Counters move
 * on events this controller handled; the active-recordings gauge is read from `rooms/` when
 * scraped, so it is true for every controller sharing the database, and costs one small read.
 */
export class ControllerMetrics {
  readonly registry = new Registry();
  private readonly uploadStartedAt = new Map<string, number>();

  private readonly transitions = new Counter({
    name: `${PREFIX}recording_transitions_total`,
    help: 'Recording status changes this controller made, by the status reached',
    labelNames: ['status'],
    registers: [this.registry],
  });
  private readonly failures = new Counter({
    name: `${PREFIX}recording_failures_total`,
    help: 'Recordings this controller moved to failed, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly commands = new Counter({
    name: `${PREFIX}commands_total`,
    help: 'Database commands claimed, by action and outcome',
    labelNames: ['action', 'outcome'],
    registers: [this.registry],
  });
  private readonly rejections = new Counter({
    name: `${PREFIX}commands_rejected_total`,
    help: 'Commands refused, by action and stable error code (start refusals included)',
    labelNames: ['action', 'code'],
    registers: [this.registry],
  });
  private readonly webhooks = new Counter({
    name: `${PREFIX}webhooks_total`,
    help: 'LiveKit webhooks received, by event and signature verification result',
    labelNames: ['event', 'verification'],
    registers: [this.registry],
  });
  private readonly uploadBytes = new Counter({
    name: `${PREFIX}upload_bytes_total`,
    help: 'Bytes of recordings uploaded to Storage',
    registers: [this.registry],
  });
  private readonly uploadRetries = new Counter({
    name: `${PREFIX}upload_retries_total`,
    help: 'Upload attempts that failed and were retried',
    registers: [this.registry],
  });
  private readonly uploadDuration = new Histogram({
    name: `${PREFIX}upload_duration_seconds`,
    help: 'From uploading to uploaded, for uploads this controller ran from their start',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
    registers: [this.registry],
  });
  private readonly reconcileRuns = new Counter({
    name: `${PREFIX}reconcile_runs_total`,
    help: 'Reconciliation passes over the active recordings',
    registers: [this.registry],
  });
  private readonly corrections = new Counter({
    name: `${PREFIX}reconcile_corrections_total`,
    help: 'Recordings reconciliation changed (a missed webhook applied, a deadline acted on)',
    registers: [this.registry],
  });
  private readonly deletions = new Counter({
    name: `${PREFIX}recordings_deleted_total`,
    help: 'Recordings deleted (object, local file and record), by reason',
    labelNames: ['reason'],
    registers: [this.registry],
  });

  constructor(options: ControllerMetricsOptions) {
    const active = new Gauge({
      name: `${PREFIX}recordings_active`,
      help: 'Recordings holding a room now, by status (from rooms/*/activeRecording)',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        const counts = await options.activeRecordings();
        active.reset();
        for (const status of ['starting', 'recording', 'stopping'] as const) {
          active.set({ status }, counts.get(status) ?? 0);
        }
      },
    });
    // Event-loop lag, RSS, heap, GC and the rest of prom-client's process metrics.
    collectDefaultMetrics({ register: this.registry });
  }

  /** For `RecordingStore`: every applied transition. */
  readonly transitionObserver: TransitionObserver = ({ ref, from, record, error }) => {
    this.transitions.inc({ status: record.status });
    if (record.status === 'failed') {
      this.failures.inc({ code: error?.code ?? 'unknown' });
      // A start command's checks fail a recording from requested, or from starting (the
      // controller's acknowledgement, written before it checks the requester and the room).
      if (from === 'requested' || START_REFUSALS.has(error?.code ?? ''))
        this.rejections.inc({ action: 'start', code: error?.code });
    }
    const key = refKey(ref);
    if (record.status === 'uploading') this.uploadStartedAt.set(key, performance.now());
    if (record.status === 'uploaded') {
      this.uploadBytes.inc(record.sizeBytes ?? 0);
      const started = this.uploadStartedAt.get(key);
      if (started !== undefined) this.uploadDuration.observe((performance.now() - started) / 1000);
    }
    if (record.status === 'uploaded' || record.status === 'failed')
      this.uploadStartedAt.delete(key);
  };

  command(action: string | undefined, outcome: CommandOutcome): void {
    this.commands.inc({ action: action ?? 'unknown', outcome });
    if (outcome === 'invalid_command' || outcome === 'orphan_command')
      this.rejections.inc({ action: action ?? 'unknown', code: outcome });
  }

  commandRefused(action: string, code: string): void {
    this.rejections.inc({ action, code });
  }

  webhook(event: WebhookEventLabel, verification: WebhookVerification): void {
    this.webhooks.inc({ event, verification });
  }

  uploadRetried(): void {
    this.uploadRetries.inc();
  }

  reconcilePass(corrections: number): void {
    this.reconcileRuns.inc();
    this.corrections.inc(corrections);
  }

  recordingDeleted(reason: string): void {
    this.deletions.inc({ reason });
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Failures that are a start command refused, whatever status they come from. */
const START_REFUSALS: ReadonlySet<string> = new Set(['not_in_room', 'already_recording']);

const refKey = (ref: RecordingRef) => `${ref.roomKey}/${ref.recordingId}`;
