import type { App } from 'firebase-admin/app';
import { getDatabase } from 'firebase-admin/database';
import { EgressStatus } from 'livekit-server-sdk';
import { START_REQUEST_TIMEOUT_MS } from '../common/recording/recording-deadlines.js';
import type { RecordingRef } from '../common/recording/recording-ref.js';
import { CommandInbox } from './commands/command-inbox.js';
import {
  carryOutCommand,
  type RecordingActionDependencies,
  rejectCommand,
} from './commands/recording-actions.js';
import type { Config } from './config/load-config.js';
import { LivekitRecorder } from './egress/livekit-recorder.js';
import { recordingOfEgress } from './egress/recording-of-egress.js';
import { webhookRoutes } from './egress/webhook-routes.js';
import { AppError } from './errors.js';
import { outputDirWritable } from './files/output-dir-readiness.js';
import { RecordingFilePipeline, recordingFileOnDisk } from './files/recording-file-pipeline.js';
import { authOnDemand } from './firebase/auth-on-demand.js';
import { databaseConnected } from './firebase/database-readiness.js';
import { recordingsBucket } from './firebase/recordings-bucket.js';
import { storageReachable } from './firebase/storage-readiness.js';
import { downloadLinkRoutes } from './http/download-link-routes.js';
import { recordingRoutes } from './http/recording-routes.js';
import { RoomMembership } from './http/room-membership.js';
import { buildServer, type Server } from './http/server.js';
import { tokenRoutes } from './http/token-routes.js';
import type { Logger } from './logging/logger.js';
import { deleteRoutes } from './manage/delete-routes.js';
import {
  deleteRecording,
  type RecordingDeletionDependencies,
} from './manage/recording-deletion.js';
import { RetentionSweep } from './manage/retention-sweep.js';
import { activeRecordingsOf } from './metrics/active-recordings.js';
import { ControllerMetrics } from './metrics/controller-metrics.js';
import { MetricsListener } from './metrics/metrics-listener.js';
import { metricsRoutes } from './metrics/metrics-routes.js';
import { Reconciler } from './reconcile/reconciler.js';
import { applyEvent } from './records/carry-out-step.js';
import { RecordingStore } from './records/recording-store.js';
import type { UploadRetryPolicy } from './upload/recording-upload.js';

/** The bound on `POST /recordings/start?wait=started`: a start normally leaves `requested` in well under a second. */
const START_WAIT_TIMEOUT_MS = 10_000;

/** How the file pipeline behaves; tests shorten the waits and switch signals off. */
export interface FilePipelineSettings {
  /** false: no uploads at all (the record ends at `processing`). */
  readonly enabled: boolean;
  /** false: no chokidar watcher; egress_ended and the periodic scan alone find files. */
  readonly watch: boolean;
  /** How often the directory (and the pending-upload index) is looked at again; default RECONCILE_INTERVAL_S. */
  readonly scanIntervalMs?: number;
  readonly settleMs: number;
  readonly progressIntervalMs: number;
  /** How long a `failed: upload_failed` record rests before a scan tries its upload again. */
  readonly reopenAfterMs: number;
  /**
   * How long a `processing` record may wait for a controller to take its file before one without
   * the file fails it `file_missing` (with several controllers, the file is on one host's disk).
   */
  readonly missingFileAfterMs: number;
  readonly retry: UploadRetryPolicy;
}

export const DEFAULT_FILE_PIPELINE: FilePipelineSettings = {
  enabled: true,
  watch: true,
  // Egress writes at least once a second while recording; two quiet seconds mean it is done.
  settleMs: 2_000,
  progressIntervalMs: 1_000,
  reopenAfterMs: 5 * 60_000,
  missingFileAfterMs: 10 * 60_000,
  retry: { retries: 6, minTimeoutMs: 1_000, maxTimeoutMs: 60_000, stallTimeoutMs: 120_000 },
};

export interface ControllerOptions {
  readonly files?: Partial<FilePipelineSettings>;
  /** The retention sweep's clock; tests move time instead of waiting for it. */
  readonly clock?: () => number;
}

export interface Controller {
  readonly app: Server;
  readonly metrics: ControllerMetrics;
  /** Present when RECORDING_RETENTION_DAYS is set; `sweep()` runs one sweep now. */
  readonly retention: RetentionSweep | undefined;
  /** The METRICS_PORT listener's URL, once the server is ready; undefined without it. */
  metricsUrl(): string | undefined;
  /** Starts the inbox and the reconciler (after the HTTP server listens). */
  startWork(): void;
}

/**
 * The composition root: builds every part from configuration and wires them together. Nothing
 * here decides anything; the parts do. `app.close()` stops the work before the server.
 */
export async function createController(
  config: Config,
  logger: Logger,
  firebase: App,
  options: ControllerOptions = {},
): Promise<Controller> {
  const db = getDatabase(firebase);
  const metrics = new ControllerMetrics({ activeRecordings: activeRecordingsOf(db) });
  const store = new RecordingStore(db, logger, config.control.controllerId, {
    startRequestTimeoutMs: START_REQUEST_TIMEOUT_MS,
    egressStartTimeoutMs: config.recording.egressStartTimeoutMs,
    egressStopTimeoutMs: config.recording.egressStopTimeoutMs,
    maxDurationMs: config.recording.maxDurationMs,
    idleTimeoutMs: config.recording.idleTimeoutMs,
  });
  store.observeTransitions(metrics.transitionObserver);
  const livekit = new LivekitRecorder({
    apiUrl: config.livekit.apiUrl,
    apiKey: config.livekit.apiKey,
    apiSecret: config.livekit.apiSecret,
  });
  const actions: RecordingActionDependencies = {
    store,
    livekit,
    logger,
    recording: config.recording,
  };
  const bucket = recordingsBucket(firebase, config.firebase.storageBucket);
  const auth = authOnDemand(firebase);
  const deletion: RecordingDeletionDependencies = {
    store,
    bucket,
    outputDir: config.recording.outputDir,
    logger: logger.child({ component: 'deletion' }),
    claimsOf: async (uid) => (await (await auth()).getUser(uid)).customClaims,
    onDeleted: (reason) => metrics.recordingDeleted(reason),
  };
  const inbox = new CommandInbox({
    db,
    logger,
    controllerId: config.control.controllerId,
    execute: async (command, record) => {
      const ref = { roomKey: command.roomKey, recordingId: command.recordingId };
      try {
        if (command.action === 'delete') await deleteByCommand(ref, command.by);
        else
          await carryOutCommand(actions, ref, { action: command.action, by: command.by }, record);
        metrics.command(command.action, 'executed');
      } catch (error) {
        metrics.command(command.action, 'error');
        throw error;
      }
    },
    // A malformed delete is only dropped: failing its recording would be the opposite of asked.
    reject: async (ref, reason) => {
      metrics.command(ref.action, 'invalid_command');
      if (ref.action !== 'delete') await rejectCommand(actions, ref, reason);
    },
    onOrphan: (command) => metrics.command(command.action, 'orphan_command'),
  });
  /** The rules let only a permitted user write it; a refusal here is logged and counted. */
  async function deleteByCommand(ref: RecordingRef, uid: string): Promise<void> {
    try {
      await deleteRecording(deletion, ref, { kind: 'user', uid }, 'request');
    } catch (error) {
      if (!(error instanceof AppError) || error.statusCode >= 500) throw error;
      metrics.commandRefused('delete', error.code);
      logger.warn({ ...ref, uid, code: error.code }, 'delete command refused');
    }
  }
  const reconciler = new Reconciler({
    ...actions,
    onPass: (outcome) => metrics.reconcilePass(outcome.corrections),
    db,
    intervalMs: config.recording.reconcileIntervalMs,
    fileOnDisk: (ref) => recordingFileOnDisk(config.recording.outputDir, ref),
    startRequestTimeoutMs: START_REQUEST_TIMEOUT_MS,
  });

  const fileSettings = { ...DEFAULT_FILE_PIPELINE, ...options.files };
  const files = fileSettings.enabled
    ? new RecordingFilePipeline({
        store,
        bucket,
        logger: logger.child({ component: 'files' }),
        onUploadRetry: () => metrics.uploadRetried(),
        outputDir: config.recording.outputDir,
        deleteLocalAfterUpload: config.recording.deleteLocalAfterUpload,
        downloadUrlMode: config.recording.downloadUrlMode,
        retry: fileSettings.retry,
        progressIntervalMs: fileSettings.progressIntervalMs,
        reopenAfterMs: fileSettings.reopenAfterMs,
        controllerId: config.control.controllerId,
        missingFileAfterMs: fileSettings.missingFileAfterMs,
        scanIntervalMs: fileSettings.scanIntervalMs ?? config.recording.reconcileIntervalMs,
        watch: fileSettings.watch,
        settleMs: fileSettings.settleMs,
      })
    : undefined;

  const app = await buildServer({
    config,
    logger,
    idTokenVerifier: {
      verifyIdToken: async (idToken, checkRevoked) =>
        (await auth()).verifyIdToken(idToken, checkRevoked),
    },
  });
  const membership = new RoomMembership(db);
  await app.register(tokenRoutes, { livekit: config.livekit, tokens: config.tokens, membership });
  await app.register(recordingRoutes, {
    db,
    store,
    membership,
    waitTimeoutMs: START_WAIT_TIMEOUT_MS,
    options: config.recording,
  });
  await app.register(downloadLinkRoutes, {
    store,
    membership,
    bucket,
    mode: config.recording.downloadUrlMode,
  });
  await app.register(deleteRoutes, deletion);
  await app.register(metricsRoutes, { metrics });
  await app.register(webhookRoutes, {
    apiKey: config.livekit.webhookApiKey,
    apiSecret: config.livekit.webhookApiSecret,
    onReceived: (event, verification) => metrics.webhook(event, verification),
    onEgress: async (egress) => {
      const ref = recordingOfEgress(egress);
      if (ref === undefined) return;
      const outcome = await applyEvent(actions, ref, { kind: 'egress', egress });
      if (outcome.record === undefined) {
        logger.warn({ ...ref, egressId: egress.egressId }, 'egress has no recording record');
      }
      if (files !== undefined && egress.status === EgressStatus.EGRESS_COMPLETE)
        void files.egressEnded(ref);
    },
  });
  app.readiness.register('database', databaseConnected(db));
  app.readiness.register('livekit', async () => {
    await livekit.listEgress({ active: true });
  });
  app.readiness.register('recordings_dir', outputDirWritable(config.recording.outputDir));
  app.readiness.register('storage', storageReachable(bucket));
  // Files no record claims are kept, never uploaded blindly: operators see them here.
  if (files !== undefined) app.readiness.describe('unmatched_files', () => files.unmatchedFiles());
  const retentionDays = config.recording.retention.days;
  const retention =
    retentionDays === undefined
      ? undefined
      : new RetentionSweep({
          db,
          logger: logger.child({ component: 'retention' }),
          days: retentionDays,
          dryRun: config.recording.retention.dryRun,
          intervalMs: config.recording.retention.intervalMs,
          now: options.clock ?? Date.now,
          deleteRecording: (ref) =>
            deleteRecording(deletion, ref, { kind: 'service' }, 'retention'),
        });
  const metricsListener = new MetricsListener(metrics, logger);
  let metricsUrl: string | undefined;
  const metricsPort = config.metrics.port;
  if (metricsPort !== undefined) {
    app.addHook('onReady', async () => {
      metricsUrl = await metricsListener.listen(config.metrics.host, metricsPort);
      logger.info({ url: metricsUrl }, 'metrics listener ready');
    });
  }
  app.addHook('onClose', async () => {
    await inbox.stop();
    await reconciler.stop();
    await retention?.stop();
    await files?.stop();
    await metricsListener.close();
    store.close();
  });

  return {
    app,
    metrics,
    retention,
    metricsUrl: () => metricsUrl,
    startWork() {
      inbox.start();
      reconciler.start();
      retention?.start();
      void files?.start().catch((error: unknown) => {
        logger.error({ err: error }, 'the recording file pipeline did not start');
      });
    },
  };
}
