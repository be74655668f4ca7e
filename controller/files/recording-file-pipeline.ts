import { randomUUID } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { recordingFileName, storageObjectName } from '../../common/recording-paths.js';
import type { DownloadUrlMode } from '../config/load-config.js';
import { recordingOfPath } from '../egress/recording-of-egress.js';
import type { Logger } from '../logging/logger.js';
import type { RecordingStatus } from '../records/recording-status.js';
import type { RecordingRef, RecordingStore } from '../records/recording-store.js';
import { downloadUrl } from '../upload/download-url.js';
import { localFileCrc32c } from '../upload/local-file-checksum.js';
import { type UploadRetryPolicy, uploadRecording } from '../upload/recording-upload.js';
import type { Bucket } from '../upload/storage-types.js';
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
  readonly bucket: Bucket;
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
  /** false: only `egress_ended` and the scans find finished files. */
  readonly watch: boolean;
  readonly settleMs: number;
  /** Told of each upload attempt that failed and will be retried (metrics). */
  readonly onUploadRetry?: () => void;
}

const UNFINISHED_UPLOADS: ReadonlySet<RecordingStatus> = new Set(['processing', 'uploading']);

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
    this.scanTimer = setInterval(() => void this.scan(), this.options.scanIntervalMs);
    this.scanTimer.unref();
    await this.scan();
    await this.reconcileRecords();
  }

  /** Stops finding files and abandons running uploads where they are: a restart resumes them. */
  async stop(): Promise<void> {
    clearInterval(this.scanTimer);
    this.abort.abort();
    await this.watcher?.stop();
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
   * Start-up: every record whose file should be on its way (or whose upload gave up) is driven
   * on, so one whose file is gone ends `failed: file_missing` instead of waiting forever.
   */
  private async reconcileRecords(): Promise<void> {
    const refs = await this.options.store.listInStatus(UNFINISHED_UPLOADS);
    for (const ref of refs) void this.run(ref, 'scan');
  }

  /** Every recording file on disk, looked at again. */
  async scan(): Promise<void> {
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

  private async finish(ref: RecordingRef, signal: FileSignal, log: Logger): Promise<void> {
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
    const size = await stat(path).then(
      (stats) => stats.size,
      () => undefined,
    );
    if (size === undefined) {
      if (action.kind === 'upload') {
        await store.transition(ref, 'failed', {
          error: {
            code: 'file_missing',
            message: `no file at ${recordingFileName(ref.roomKey, ref.recordingId)}`,
          },
        });
      }
      return;
    }
    const completeness =
      size === 0
        ? { complete: false as const, reason: 'empty file' }
        : await readMp4Completeness(path);
    if (!completeness.complete) {
      // A file still being written has no index yet either: only a finished record judges it.
      if (action.kind === 'finish_then_upload') return;
      log.warn({ reason: completeness.reason, size }, 'recording file is incomplete; kept on disk');
      await store.transition(ref, 'failed', {
        fields: { sizeBytes: size },
        error: {
          code: 'file_incomplete',
          message: `The recording file is incomplete (${completeness.reason}); it is kept on the server for repair.`,
        },
      });
      return;
    }
    if (action.kind === 'finish_then_upload') {
      if (signal === 'scan') return; // a scan cannot tell a finished file from a paused writer
      await store.transition(ref, 'processing', { fields: { sizeBytes: size } });
    }
    if (action.kind === 'reopen_then_upload') {
      const failedAt = record?.updatedAt ?? 0;
      if (Date.now() - failedAt < this.options.reopenAfterMs) return;
      const reopened = await store.reopenFailedUpload(ref);
      if (!reopened.applied) return;
    }
    const moved = await store.transition(ref, 'uploading', {
      fields: { progress: { bytes: 0, total: size } },
    });
    if (!moved.applied && moved.record?.status !== 'uploading') return;
    // An audio-only recording is an MP4 holding AAC only (egress's default audio codec for MP4).
    const contentType = record?.audioOnly === true ? 'audio/mp4' : 'video/mp4';
    await this.upload(
      ref,
      path,
      size,
      completeness.durationMs ?? record?.durationMs,
      contentType,
      log,
    );
  }

  private async upload(
    ref: RecordingRef,
    path: string,
    size: number,
    durationMs: number | undefined,
    contentType: string,
    log: Logger,
  ): Promise<void> {
    const { store, bucket } = this.options;
    const objectName = storageObjectName(ref.roomKey, ref.recordingId);
    const session = (await readUploadSession(path)) ?? { token: randomUUID() };
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
          progressWrite = store
            .annotate(ref, { progress: { bytes, total: size } })
            .catch((error: unknown) => {
              log.warn({ err: error }, 'could not write upload progress');
            });
        },
      });
      await progressWrite;
      const file = bucket.file(objectName);
      await store.transition(ref, 'uploaded', {
        fields: {
          storagePath: objectName,
          sizeBytes: uploaded.size,
          durationMs,
          downloadUrl: await downloadUrl(this.options.downloadUrlMode, file, session.token),
          progress: { bytes: uploaded.size, total: size },
        },
      });
      log.info({ size, ms: Date.now() - started }, 'recording uploaded');
      await this.deleteIfConfirmed(ref, path, log);
    } catch (error) {
      await progressWrite;
      if (this.abort.signal.aborted) {
        log.info('upload abandoned on shutdown; the next start resumes it');
        return;
      }
      const message = error instanceof Error ? error.message : String(error);
      await store.transition(ref, 'failed', {
        error: {
          code: 'upload_failed',
          message: `Upload failed: ${message}. The file is kept and retried later.`,
        },
      });
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
    const [metadata] = await this.options.bucket
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

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );
