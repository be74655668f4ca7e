import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { recordingFileName, storageObjectName } from '../../common/recording/recording-paths.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { DownloadUrlMode } from '../config/load-config.js';
import { recordingOfPath } from '../egress/recording-of-egress.js';
import type { Logger } from '../logging/logger.js';
import {
  claimsMissingFile,
  PENDING_UPLOAD_STATUSES,
  type PendingUpload,
} from '../records/pending-uploads.js';
import type { RecordingStore } from '../records/recording-store.js';
import { downloadLink } from '../upload/download-url.js';
import { localFileCrc32c } from '../upload/local-file-checksum.js';
import { type UploadRetryPolicy, uploadRecording } from '../upload/recording-upload.js';
import type { BucketOnDemand } from '../upload/storage-types.js';
import {
  readUploadSession,
  removeUploadSession,
  saveUploadSession,
  type UploadSession,
} from '../upload/upload-session-state.js';
import { decideFileAction, type FileSignal } from './file-action.js';
import { readMp4Completeness } from './mp4-completeness.js';
import { RecordingFileWatcher } from './recording-file-watcher.js';

export interface RecordingFilePipelineOptions {
  readonly store: RecordingStore;
  readonly bucket: BucketOnDemand;
  readonly logger: Logger;
  readonly outputDir: string;
  readonly deleteLocalAfterUpload: boolean;
  readonly downloadUrlMode: DownloadUrlMode;
  readonly retry: UploadRetryPolicy;
  /** The bound on `progress` writes: at most one per interval, never one per chunk. */
  readonly progressIntervalMs: number;
  /** A failed upload is retried by a scan only once it has rested this long (no flapping). */
  readonly reopenAfterMs: number;
  /** How often files on disk are looked at again (watchers miss events; failed uploads retry). */
  readonly scanIntervalMs: number;
  /** Names this controller in the pending-upload index (CONTROLLER_ID). */
  readonly controllerId: string;
  /** A `processing` record whose file no controller has taken for this long fails file_missing. */
  readonly missingFileAfterMs: number;
  /** false: only `egress_ended` and the scans find finished files. */
  readonly watch: boolean;
  readonly settleMs: number;
  /** Told of each upload attempt that failed and will be retried (metrics). */
  readonly onUploadRetry?: () => void;
}

/** How many times a file that changed under its upload is uploaded again before failing. */
const MAX_UPLOAD_ROUNDS = 3;
/** A file still changing after this many settle periods is left for a later signal. */
const SETTLE_PATIENCE = 5;

/** A file in the output directory that belongs to no recording we could upload it for. */
export interface UnmatchedFile {
  readonly path: string;
  readonly reason: string;
}

/**
 * Takes a finished recording file from disk to an `uploaded` record with a download link
 * (issue 8). Three signals find a file (egress_ended, the watcher, the periodic scan); each is
 * enough and any number of them upload once, because one recording has at most one pipeline
 * run at a time and every run starts by reading the record.
 */
export class RecordingFilePipeline {
  private readonly running = new Map<string, Promise<void>>();
  private readonly unmatched = new Map<string, string>();
  private readonly watcher: RecordingFileWatcher | undefined;
  private readonly abort = new AbortController();
  private scanTimer: NodeJS.Timeout | undefined;
  /** The scan under way, if any: a new one joins it, and stop() waits for it. */
  private scanning: Promise<void> | undefined;

  constructor(private readonly options: RecordingFilePipelineOptions) {
    this.watcher = options.watch
      ? new RecordingFileWatcher({
          outputDir: options.outputDir,
          settleMs: options.settleMs,
          onSettled: (path) => this.fileFound(path, 'settled'),
        })
      : undefined;
  }

  async start(): Promise<void> {
    await this.watcher?.start();
    // stop() may have come while the watcher started: then nothing may keep running.
    if (this.abort.signal.aborted) return;
    this.scanTimer = setInterval(() => void this.scan(), this.options.scanIntervalMs);
    this.scanTimer.unref();
    await this.scan();
  }

  /** Stops finding files and abandons running uploads where they are: a restart resumes them. */
  async stop(): Promise<void> {
    clearInterval(this.scanTimer);
    this.abort.abort();
    await this.watcher?.stop();
    await this.scanning;
    await Promise.allSettled(this.running.values());
  }

  /** The egress reported its file finished (webhook or ListEgress). */
  egressEnded(ref: RecordingRef): Promise<void> {
    return this.run(ref, 'egress_ended');
  }

  /** Files that are kept but will not be uploaded, for operators (`/health` details, logs). */
  unmatchedFiles(): UnmatchedFile[] {
    return [...this.unmatched].map(([path, reason]) => ({ path, reason }));
  }

  /**
   * Every record the pending-upload index names is driven on, so one whose file is gone ends
   * `failed: file_missing` instead of waiting forever; files on this disk are driven by the scan.
   * Reads the index only, never the history under `recordings/`.
   */
  private async reconcilePendingUploads(): Promise<void> {
    const { store, controllerId, missingFileAfterMs } = this.options;
    let pending: PendingUpload[];
    try {
      pending = await store.listPendingUploads();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'cannot read the pending-upload index');
      return;
    }
    for (const entry of pending) {
      const ref = { roomKey: entry.roomKey, recordingId: entry.recordingId };
      const path = join(this.options.outputDir, recordingFileName(ref.roomKey, ref.recordingId));
      if (await exists(path)) continue; // the directory scan drives the files on this disk
      if (!claimsMissingFile(entry, controllerId, Date.now(), missingFileAfterMs)) continue;
      const record = await store.read(ref);
      if (record === undefined || !PENDING_UPLOAD_STATUSES.has(record.status)) {
        await store.forgetPendingUpload(ref);
        continue;
      }
      void this.run(ref, 'scan');
    }
  }

  /** Every recording file on disk, and every pending upload, looked at again. */
  scan(): Promise<void> {
    this.scanning ??= (async () => {
      await this.scanDirectory();
      await this.reconcilePendingUploads();
    })().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanDirectory(): Promise<void> {
    let rooms: string[];
    try {
      rooms = await readdir(this.options.outputDir);
    } catch (error) {
      this.options.logger.error({ err: error }, 'cannot list the recordings directory');
      return;
    }
    for (const room of rooms) {
      const dir = join(this.options.outputDir, room);
      const names = await readdir(dir).catch(() => [] as string[]);
      for (const name of names) {
        if (name.endsWith('.mp4')) this.fileFound(join(dir, name), 'scan');
      }
    }
  }

  private fileFound(path: string, signal: FileSignal): void {
    if (this.abort.signal.aborted) return;
    const ref = recordingOfPath(relative(this.options.outputDir, path).split(sep).join('/'));
    if (
      ref === undefined ||
      join(this.options.outputDir, recordingFileName(ref.roomKey, ref.recordingId)) !== join(path)
    ) {
      this.noteUnmatched(path, 'not a <roomKey>/<recordingId>.mp4 name');
      return;
    }
    void this.run(ref, signal);
  }

  private noteUnmatched(path: string, reason: string): void {
    if (this.unmatched.get(path) === reason) return;
    this.unmatched.set(path, reason);
    this.options.logger.warn({ path, reason }, 'recording file kept without upload');
  }

  /** One run per recording at a time; a signal arriving during a run is covered by it. */
  private run(ref: RecordingRef, signal: FileSignal): Promise<void> {
    if (this.abort.signal.aborted) return Promise.resolve();
    const key = `${ref.roomKey}/${ref.recordingId}`;
    const current = this.running.get(key);
    if (current !== undefined) return current;
    const log = this.options.logger.child({ ...ref });
    const task = this.finish(ref, signal, log)
      .catch((error: unknown) =>
        log.error({ err: error, signal }, 'recording file pipeline failed'),
      )
      .finally(() => this.running.delete(key));
    this.running.set(key, task);
    return task;
  }

  private async finish(
    ref: RecordingRef,
    signal: FileSignal,
    log: Logger,
    round = 1,
  ): Promise<void> {
    const { store } = this.options;
    const path = join(this.options.outputDir, recordingFileName(ref.roomKey, ref.recordingId));
    const record = await store.read(ref);
    const action = decideFileAction(record);
    if (action.kind === 'unmatched') {
      if (await exists(path)) this.noteUnmatched(path, action.reason);
      return;
    }
    this.unmatched.delete(path);
    if (action.kind === 'wait' || action.kind === 'leave') {
      log.debug({ signal, reason: action.reason }, 'recording file left as it is');
      if (action.reason === 'already uploaded') await this.deleteIfConfirmed(ref, path, log);
      return;
    }
    // A scan cannot tell a finished file from a paused writer: only egress or the watcher can.
    if (action.kind === 'finish_then_upload' && signal === 'scan') return;
    const settled =
      (action.kind === 'upload' ? await knownFinished(path, record?.sizeBytes) : undefined) ??
      (await this.settledFile(path, log, signal));
    if (settled === 'missing') {
      // Only the pending-upload pass (a scan, after claimsMissingFile) may call a file missing:
      // with several controllers, egress_ended reaches one whose disk may not hold the file,
      // and the controller that holds it finds it with its watcher or scan.
      if (action.kind === 'upload' && signal === 'scan') {
        await store.step(ref, {
          kind: 'file_missing',
          fileName: recordingFileName(ref.roomKey, ref.recordingId),
        });
      }
      return;
    }
    if (settled === 'growing') {
      log.info({ signal }, 'recording file still growing; the watcher or a scan comes back to it');
      return;
    }
    const { size } = settled;
    const completeness =
      size === 0
        ? { complete: false as const, reason: 'empty file' }
        : await readMp4Completeness(path);
    if (!completeness.complete) {
      // A file still being written has no index yet either: only a finished record judges it.
      if (action.kind === 'finish_then_upload') return;
      log.warn({ reason: completeness.reason, size }, 'recording file is incomplete; kept on disk');
      await store.step(ref, {
        kind: 'file_incomplete',
        sizeBytes: size,
        reason: completeness.reason,
      });
      return;
    }
    if (action.kind === 'finish_then_upload') {
      await store.step(ref, { kind: 'file_complete', sizeBytes: size });
    }
    if (action.kind === 'reopen_then_upload') {
      const reopened = await store.step(ref, {
        kind: 'upload_retry_due',
        restMs: this.options.reopenAfterMs,
      });
      if (!reopened.applied) return;
    }
    const moved = await store.step(ref, { kind: 'upload_started', total: size });
    if (!moved.applied && moved.record?.status !== 'uploading') return;
    const outcome = await this.upload(ref, path, settled, {
      durationMs: completeness.durationMs ?? record?.durationMs,
      // An audio-only recording is an MP4 holding AAC only (egress's default audio codec for MP4).
      contentType: record?.audioOnly === true ? 'audio/mp4' : 'video/mp4',
      signal,
      log,
    });
    if (outcome !== 'file_changed') return;
    if (round < MAX_UPLOAD_ROUNDS) {
      await this.finish(ref, signal, log, round + 1);
      return;
    }
    await store.step(ref, {
      kind: 'upload_failed',
      message: `The file kept changing while it was uploaded (${round} times). It is kept and retried later.`,
    });
  }

  /**
   * The file once its size and modification time have stayed the same for `settleMs`: egress may
   * report a file finished (or a scan find it) while bytes are still being copied into it.
   */
  private async settledFile(
    path: string,
    log: Logger,
    signal: FileSignal,
  ): Promise<FileStamp | 'missing' | 'growing'> {
    const { settleMs } = this.options;
    const pollMs = Math.max(10, Math.min(250, Math.floor(settleMs / 4)));
    let last = await fileStamp(path);
    let stableSince = Date.now();
    const giveUpAt = stableSince + settleMs * SETTLE_PATIENCE;
    while (last !== undefined && Date.now() - stableSince < settleMs) {
      if (Date.now() >= giveUpAt || this.abort.signal.aborted) return 'growing';
      await delay(pollMs);
      const now = await fileStamp(path);
      if (now === undefined || !sameStamp(now, last)) {
        if (now !== undefined) log.debug({ signal, size: now.size }, 'recording file is growing');
        stableSince = Date.now();
      }
      last = now;
    }
    return last ?? 'missing';
  }

  private async upload(
    ref: RecordingRef,
    path: string,
    settled: FileStamp,
    context: {
      readonly durationMs: number | undefined;
      readonly contentType: string;
      readonly signal: FileSignal;
      readonly log: Logger;
    },
  ): Promise<'uploaded' | 'failed' | 'abandoned' | 'file_changed'> {
    const { store } = this.options;
    const { log, durationMs, contentType } = context;
    const { size } = settled;
    const objectName = storageObjectName(ref.roomKey, ref.recordingId);
    const bucket = this.options.bucket();
    const target = { apiEndpoint: bucket.storage.apiEndpoint, bucket: bucket.name, objectName };
    const session = (await readUploadSession(path, target)) ?? { token: randomUUID() };
    await this.saveSession(path, session, log);
    let lastWrite = 0;
    let progressWrite: Promise<unknown> = Promise.resolve();
    const started = Date.now();
    try {
      const uploaded = await uploadRecording({
        bucket,
        localPath: path,
        objectName,
        size,
        session,
        policy: this.options.retry,
        logger: log,
        signal: this.abort.signal,
        contentType,
        onRetry: this.options.onUploadRetry,
        onSession: (next) => this.saveSession(path, next, log),
        onProgress: (bytes) => {
          const now = Date.now();
          if (now - lastWrite < this.options.progressIntervalMs) return;
          lastWrite = now;
          // Chained: a slow write must not land after the final status (it would undo it).
          progressWrite = progressWrite.then(() =>
            store.annotate(ref, { progress: { bytes, total: size } }).catch((error: unknown) => {
              log.warn({ err: error }, 'could not write upload progress');
            }),
          );
        },
      });
      await progressWrite;
      const file = bucket.file(objectName);
      // The object holds the bytes the file had when it settled; a file that changed since
      // (an egress still appending) would be published cut short.
      const after = await fileStamp(path);
      if (after !== undefined && !sameStamp(after, settled)) {
        log.warn(
          { uploadedBytes: uploaded.size, size: after.size },
          'recording file changed during its upload; the stale object is replaced',
        );
        await file.delete({ ifGenerationMatch: uploaded.generation, ignoreNotFound: true });
        await this.saveSession(path, { token: randomUUID() }, log);
        return 'file_changed';
      }
      const link = await downloadLink(this.options.downloadUrlMode, file, session.token);
      await store.step(ref, {
        kind: 'uploaded',
        fields: {
          storagePath: objectName,
          sizeBytes: uploaded.size,
          durationMs,
          downloadUrl: link.url,
          downloadUrlExpiresAt: link.expiresAt,
          progress: { bytes: uploaded.size, total: size },
        },
      });
      log.info(
        { size, ms: Date.now() - started, signal: context.signal },
        'recording file uploaded',
      );
      await this.deleteIfConfirmed(ref, path, log);
      return 'uploaded';
    } catch (error) {
      await progressWrite;
      if (this.abort.signal.aborted) {
        log.info('upload abandoned on shutdown; the next start resumes it');
        return 'abandoned';
      }
      const message = error instanceof Error ? error.message : String(error);
      await store.step(ref, {
        kind: 'upload_failed',
        message: `Upload failed: ${message}. The file is kept and retried later.`,
      });
      return 'failed';
    }
  }

  /** A lost session only costs a restart from byte 0, so a full disk does not stop the upload. */
  private async saveSession(path: string, session: UploadSession, log: Logger): Promise<void> {
    try {
      await saveUploadSession(path, session);
    } catch (error) {
      log.warn({ err: error }, 'could not save the upload session; a restart would start over');
    }
  }

  /** Deletes the local copy only once Storage holds the same bytes (CRC32C compared). */
  private async deleteIfConfirmed(ref: RecordingRef, path: string, log: Logger): Promise<void> {
    if (!this.options.deleteLocalAfterUpload || !(await exists(path))) return;
    const [metadata] = await this.options
      .bucket()
      .file(storageObjectName(ref.roomKey, ref.recordingId))
      .getMetadata();
    const local = await localFileCrc32c(path);
    if (metadata.crc32c !== local) {
      log.error({ local, stored: metadata.crc32c }, 'stored object differs from the file; kept');
      return;
    }
    await rm(path);
    await removeUploadSession(path);
    log.info('local recording file deleted after upload');
  }
}

/** Whether a recording's file is in `outputDir` with at least one byte. */
export async function recordingFileOnDisk(outputDir: string, ref: RecordingRef): Promise<boolean> {
  const stamp = await fileStamp(join(outputDir, recordingFileName(ref.roomKey, ref.recordingId)));
  return stamp !== undefined && stamp.size > 0;
}

/** What says a file changed: its size and its modification time. */
interface FileStamp {
  readonly size: number;
  readonly mtimeMs: number;
}

const fileStamp = (path: string): Promise<FileStamp | undefined> =>
  stat(path).then(
    ({ size, mtimeMs }) => ({ size, mtimeMs }),
    () => undefined,
  );

const sameStamp = (a: FileStamp, b: FileStamp) => a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * The file, if it already has the size its record states: egress reports a file's size only once
 * it is written and closed, and the watcher records it only after the file settled. Waiting for
 * it to settle again would only add `settleMs` to every stop → uploaded. A file that differs is
 * settled as usual; one that changes during its upload is uploaded again either way.
 */
async function knownFinished(
  path: string,
  recordedSize: number | undefined,
): Promise<FileStamp | undefined> {
  if (recordedSize === undefined || recordedSize <= 0) return undefined;
  const stamp = await fileStamp(path);
  return stamp?.size === recordedSize ? stamp : undefined;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
