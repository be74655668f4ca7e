import { EgressStatus } from '@livekit/protocol';
import type { App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getDatabase } from 'firebase-admin/database';
import { getStorage } from 'firebase-admin/storage';
import { CommandInbox } from './commands/command-inbox.js';
import {
  failRecording,
  type RecordingActionDependencies,
  startRecording,
  stopRecording,
} from './commands/recording-actions.js';
import type { Config } from './config/load-config.js';
import { applyEgressOutcome } from './egress/apply-egress-outcome.js';
import { LivekitRecorder } from './egress/livekit-recorder.js';
import { recordingOfEgress } from './egress/recording-of-egress.js';
import { webhookRoutes } from './egress/webhook-routes.js';
import { outputDirWritable } from './files/output-dir-readiness.js';
import { RecordingFilePipeline } from './files/recording-file-pipeline.js';
import { databaseConnected } from './firebase/database-readiness.js';
import { storageReachable } from './firebase/storage-readiness.js';
import { recordingRoutes } from './http/recording-routes.js';
import { buildServer, type Server } from './http/server.js';
import { tokenRoutes } from './http/token-routes.js';
import type { Logger } from './logging/logger.js';
import { Reconciler } from './reconcile/reconciler.js';
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
  readonly settleMs: number;
  readonly progressIntervalMs: number;
  /** How long a `failed: upload_failed` record rests before a scan tries its upload again. */
  readonly reopenAfterMs: number;
  readonly retry: UploadRetryPolicy;
}

export const DEFAULT_FILE_PIPELINE: FilePipelineSettings = {
  enabled: true,
  watch: true,
  // Egress writes at least once a second while recording; two quiet seconds mean it is done.
  settleMs: 2_000,
  progressIntervalMs: 1_000,
  reopenAfterMs: 5 * 60_000,
  retry: { retries: 6, minTimeoutMs: 1_000, maxTimeoutMs: 60_000, stallTimeoutMs: 120_000 },
};

export interface ControllerOptions {
  readonly files?: Partial<FilePipelineSettings>;
}

export interface Controller {
  readonly app: Server;
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
  const store = new RecordingStore(db, logger);
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
  const inbox = new CommandInbox({
    db,
    logger,
    controllerId: config.control.controllerId,
    execute: (command) => {
      const ref = { roomKey: command.roomKey, recordingId: command.recordingId };
      return command.action === 'start'
        ? startRecording(actions, ref, command.by)
        : stopRecording(actions, ref, command.by);
    },
    reject: (ref, reason) =>
      failRecording(actions, ref, { code: 'invalid_command', message: reason }),
  });
  const reconciler = new Reconciler({
    ...actions,
    db,
    intervalMs: config.recording.reconcileIntervalMs,
    limits: {
      egressStartTimeoutMs: config.recording.egressStartTimeoutMs,
      maxDurationMs: config.recording.maxDurationMs,
      idleTimeoutMs: config.recording.idleTimeoutMs,
    },
  });

  const fileSettings = { ...DEFAULT_FILE_PIPELINE, ...options.files };
  const files = fileSettings.enabled
    ? new RecordingFilePipeline({
        store,
        bucket: getStorage(firebase).bucket(config.firebase.storageBucket),
        logger: logger.child({ component: 'files' }),
        outputDir: config.recording.outputDir,
        deleteLocalAfterUpload: config.recording.deleteLocalAfterUpload,
        downloadUrlMode: config.recording.downloadUrlMode,
        retry: fileSettings.retry,
        progressIntervalMs: fileSettings.progressIntervalMs,
        reopenAfterMs: fileSettings.reopenAfterMs,
        scanIntervalMs: config.recording.reconcileIntervalMs,
        watch: fileSettings.watch,
        settleMs: fileSettings.settleMs,
      })
    : undefined;

  const app = await buildServer({ config, logger, idTokenVerifier: getAuth(firebase) });
  await app.register(tokenRoutes, { livekit: config.livekit, tokens: config.tokens });
  await app.register(recordingRoutes, { db, waitTimeoutMs: START_WAIT_TIMEOUT_MS });
  await app.register(webhookRoutes, {
    apiKey: config.livekit.webhookApiKey,
    apiSecret: config.livekit.webhookApiSecret,
    onEgress: async (egress) => {
      const ref = recordingOfEgress(egress);
      if (ref === undefined) return;
      await applyEgressOutcome(actions, ref, egress);
      if (files !== undefined && egress.status === EgressStatus.EGRESS_COMPLETE)
        void files.egressEnded(ref);
    },
  });
  app.readiness.register('database', databaseConnected(db));
  app.readiness.register('livekit', async () => {
    await livekit.listEgress({ active: true });
  });
  app.readiness.register('recordings_dir', outputDirWritable(config.recording.outputDir));
  app.readiness.register('storage', storageReachable(getStorage(firebase).bucket()));
  // Files no record claims are kept, never uploaded blindly: operators see them here.
  if (files !== undefined) app.readiness.describe('unmatched_files', () => files.unmatchedFiles());
  app.addHook('onClose', async () => {
    await inbox.stop();
    await reconciler.stop();
    await files?.stop();
  });

  return {
    app,
    startWork() {
      inbox.start();
      reconciler.start();
      void files?.start().catch((error: unknown) => {
        logger.error({ err: error }, 'the recording file pipeline did not start');
      });
    },
  };
}
