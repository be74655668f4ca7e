import { pipeline } from 'node:stream/promises';
import pRetry, { AbortError } from 'p-retry';
import type { Logger } from '../logging/logger.js';
import { hardwareCrc32cGenerator } from './hardware-crc32c.js';
import { RecyclingFileReader } from './recycling-file-reader.js';
import type { Bucket, StorageFile } from './storage-types.js';
import { classifyUploadFailure } from './upload-failure.js';
import type { UploadSession } from './upload-session-state.js';

export interface UploadRetryPolicy {
  /** Attempts after the first before the upload is given up (until the next reconciliation). */
  readonly retries: number;
  readonly minTimeoutMs: number;
  readonly maxTimeoutMs: number;
  /** No progress for this long destroys the attempt: resumable PUTs have no timeout of their own. */
  readonly stallTimeoutMs: number;
}

export interface RecordingUploadRequest {
  readonly bucket: Bucket;
  readonly localPath: string;
  readonly objectName: string;
  /** The size the object must have: what was on disk when the file was found finished. */
  readonly size: number;
  readonly session: UploadSession;
  readonly policy: UploadRetryPolicy;
  readonly logger: Logger;
  /** Abandons the upload where it is (shutdown); the saved session lets a restart resume it. */
  readonly signal: AbortSignal;
  /** `video/mp4` unless given (`audio/mp4` for an audio-only recording). */
  readonly contentType?: string;
  /** Called when the session changes (a new URI, or none after the old one expired). */
  onSession(session: UploadSession): Promise<void>;
  onProgress(bytes: number): void;
  /** Called for each failed attempt that will be retried (metrics). */
  onRetry?(): void;
}

export interface UploadedObject {
  readonly crc32c: string;
  readonly size: number;
  /** Lets the caller delete exactly this version (a file that changed under its upload). */
  readonly generation: string | number | undefined;
}

export class UploadFailedError extends Error {
  readonly code = 'upload_failed';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UploadFailedError';
  }
}

/**
 * Streams a finished recording into Storage through one resumable session, retried with p-retry
 * (docs/architecture.md, "Files and upload"): each attempt first asks whether the object is already
 * there with our token (a lost final answer, a 412), then resumes the saved session, piping the
 * file from byte 0 (the client skips what the server holds, so its CRC32C still covers the whole
 * file).
 */
export async function uploadRecording(request: RecordingUploadRequest): Promise<UploadedObject> {
  const file = request.bucket.file(request.objectName, {
    crc32cGenerator: hardwareCrc32cGenerator,
  });
  let session = request.session;
  const { policy, logger } = request;
  try {
    return await pRetry(
      async (attempt) => {
        const stored = await storedObject(file, session.token, request.size);
        if (stored !== undefined) return stored;
        if (attempt > 1)
          logger.info({ attempt, resuming: session.sessionUri !== undefined }, 'upload attempt');
        return await uploadOnce(file, request, session, async (uri) => {
          session = { ...session, sessionUri: uri };
          await request.onSession(session);
        });
      },
      {
        retries: policy.retries,
        minTimeout: policy.minTimeoutMs,
        maxTimeout: policy.maxTimeoutMs,
        randomize: true,
        signal: request.signal,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          const kind = classifyUploadFailure(error);
          logger.warn({ err: error, attemptNumber, retriesLeft, kind }, 'upload attempt failed');
          if (retriesLeft > 0 && kind !== 'fatal') request.onRetry?.();
          if (kind === 'new_session' && session.sessionUri !== undefined) {
            session = { token: session.token };
            await request.onSession(session);
          }
        },
        shouldRetry: ({ error }) => classifyUploadFailure(error) !== 'fatal',
      },
    );
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UploadFailedError(message, { cause: error });
  }
}

/** The object as stored, if it is ours and whole; throws (no retry) if another upload owns the name. */
async function storedObject(
  file: StorageFile,
  token: string,
  size: number,
): Promise<UploadedObject | undefined> {
  const metadata = await file.getMetadata().then(
    ([found]) => found,
    (error: unknown) => {
      if ((error as { code?: unknown }).code === 404) return undefined;
      throw error;
    },
  );
  if (metadata === undefined) return undefined;
  const tokens = String(metadata.metadata?.firebaseStorageDownloadTokens ?? '').split(',');
  if (!tokens.includes(token)) {
    throw new AbortError(`${file.name} already exists and was not written by this upload`);
  }
  if (Number(metadata.size) !== size || typeof metadata.crc32c !== 'string') {
    throw new AbortError(`${file.name} exists with ${metadata.size} bytes, not ${size}`);
  }
  return { crc32c: metadata.crc32c, size, generation: metadata.generation };
}

async function uploadOnce(
  file: StorageFile,
  request: RecordingUploadRequest,
  session: UploadSession,
  onUri: (uri: string) => Promise<void>,
): Promise<UploadedObject> {
  const stream = file.createWriteStream({
    resumable: true,
    validation: 'crc32c',
    // Without a precondition the client never retries (emulators/storage/README.md, "Retries and
    // preconditions"); 0 = create only.
    preconditionOpts: { ifGenerationMatch: 0 },
    ...(session.sessionUri === undefined ? {} : { uri: session.sessionUri }),
    metadata: {
      contentType: request.contentType ?? 'video/mp4',
      contentLength: request.size,
      metadata: { firebaseStorageDownloadTokens: session.token },
    },
  });
  const saves: Promise<void>[] = [];
  stream.on('uri', (uri: string) => {
    saves.push(onUri(uri));
  });
  let stallTimer: NodeJS.Timeout | undefined;
  const armStallWatchdog = () => {
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      stream.destroy(
        Object.assign(new Error(`no upload progress for ${request.policy.stallTimeoutMs} ms`), {
          code: 'upload_stalled',
        }),
      );
    }, request.policy.stallTimeoutMs);
  };
  // Exactly the bytes found finished: the declared length and the stream agree.
  const source = new RecyclingFileReader(request.localPath, { start: 0, end: request.size - 1 });
  stream.on('progress', (progress: { bytesWritten: number }) => {
    armStallWatchdog();
    source.release(progress.bytesWritten);
    request.onProgress(progress.bytesWritten);
  });
  armStallWatchdog();
  const abandon = () => stream.destroy(new Error('upload abandoned'));
  request.signal.addEventListener('abort', abandon, { once: true });
  try {
    await pipeline(source, stream);
  } finally {
    clearTimeout(stallTimer);
    request.signal.removeEventListener('abort', abandon);
    await Promise.all(saves);
  }
  const crc32c = file.metadata.crc32c;
  if (typeof crc32c !== 'string') throw new Error(`${file.name}: no checksum in the answer`);
  return { crc32c, size: Number(file.metadata.size), generation: file.metadata.generation };
}
