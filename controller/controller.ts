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
import { databaseConnected } from './firebase/database-readiness.js';
import { storageReachable } from './firebase/storage-readiness.js';
import { recordingRoutes } from './http/recording-routes.js';
import { buildServer, type Server } from './http/server.js';
import { tokenRoutes } from './http/token-routes.js';
import type { Logger } from './logging/logger.js';
import { Reconciler } from './reconcile/reconciler.js';
import { RecordingStore } from './records/recording-store.js';

/** The bound on `POST /recordings/start?wait=started`: a start normally leaves `requested` in well under a second. */
const START_WAIT_TIMEOUT_MS = 10_000;

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
        : stopRecording(actions, ref);
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

  const app = await buildServer({ config, logger, idTokenVerifier: getAuth(firebase) });
  await app.register(tokenRoutes, { livekit: config.livekit, tokens: config.tokens });
  await app.register(recordingRoutes, { db, waitTimeoutMs: START_WAIT_TIMEOUT_MS });
  await app.register(webhookRoutes, {
    apiKey: config.livekit.webhookApiKey,
    apiSecret: config.livekit.webhookApiSecret,
    onEgress: async (egress) => {
      const ref = recordingOfEgress(egress);
      if (ref !== undefined) await applyEgressOutcome(actions, ref, egress);
    },
  });
  app.readiness.register('database', databaseConnected(db));
  app.readiness.register('livekit', async () => {
    await livekit.listEgress({ active: true });
  });
  app.readiness.register('recordings_dir', outputDirWritable(config.recording.outputDir));
  app.readiness.register('storage', storageReachable(getStorage(firebase).bucket()));
  app.addHook('onClose', async () => {
    await inbox.stop();
    await reconciler.stop();
  });

  return {
    app,
    startWork() {
      inbox.start();
      reconciler.start();
    },
  };
}
