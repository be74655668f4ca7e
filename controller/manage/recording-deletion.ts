import { rm, rmdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { RECORDING_ADMIN_CLAIM } from '../../common/recording/recording-options.js';
import {
  EGRESS_ID_PATTERN,
  recordingFileName,
  storageObjectName,
} from '../../common/recording/recording-paths.js';
import type { RecordingRecord } from '../../common/recording/recording-record.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { isFinalStatus } from '../../common/recording/recording-status.js';
import { AppError } from '../errors.js';
import type { Logger } from '../logging/logger.js';
import type { RecordingStore } from '../records/recording-store.js';
import type { BucketOnDemand } from '../upload/storage-types.js';
import { uploadStatePath } from '../upload/upload-session-state.js';

/** Who asks for a deletion: a trusted server or the retention sweep, or a signed-in user. */
export type Deleter =
  | { readonly kind: 'service' }
  | {
      readonly kind: 'user';
      readonly uid: string;
      /** The ID token's claims when known (HTTP); else they are looked up by uid. */
      readonly claims?: Readonly<Record<string, unknown>>;
    };

export type DeletionReason = 'request' | 'retention';

export interface RecordingDeletionDependencies {
  readonly store: RecordingStore;
  readonly bucket: BucketOnDemand;
  readonly outputDir: string;
  readonly logger: Logger;
  /** The user's custom claims (firebase-admin `getUser(uid).customClaims`). */
  readonly claimsOf: (uid: string) => Promise<Readonly<Record<string, unknown>> | undefined>;
  readonly onDeleted?: (reason: DeletionReason) => void;
}

export interface DeletionReport {
  readonly recordingId: string;
  readonly roomKey: string;
  /** false: there was no object (never uploaded, or already gone). */
  readonly objectDeleted: boolean;
  readonly localFileDeleted: boolean;
}

export const deletionErrors = {
  notFound: () => new AppError('recording_not_found', 404, 'There is no such recording'),
  notAllowed: () =>
    new AppError(
      'delete_not_allowed',
      403,
      `Only the user who requested the recording (or one with the "${RECORDING_ADMIN_CLAIM}" claim) may delete it`,
    ),
  active: (status: string) =>
    new AppError(
      'recording_active',
      409,
      `The recording is ${status}; it can be deleted once it is uploaded, failed or canceled`,
    ),
  storageUnavailable: (cause: unknown) =>
    new AppError('storage_unavailable', 503, 'The recording file could not be deleted; retry', {
      cause,
    }),
} as const;

async function mayDelete(
  deps: RecordingDeletionDependencies,
  record: RecordingRecord,
  by: Deleter,
): Promise<boolean> {
  if (by.kind === 'service' || record.requestedBy === by.uid) return true;
  // A user Auth cannot find (deleted since) has no claims: the answer is no, not an error.
  const claims = by.claims ?? (await deps.claimsOf(by.uid).catch(() => undefined));
  return claims?.[RECORDING_ADMIN_CLAIM] === true;
}

const isNotFound = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 404;

/** Removes a path that may not exist; true when it did. */
async function removeIfPresent(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Deletes a finished recording: its Storage object, its local file (with the upload-session
 * sidecar and the egress manifest), then its record, in that order, so that a failure on the
 * way leaves a record to retry from, never a file no record names. The record goes last, in a
 * transaction that removes it only while it is still final: an upload retried meanwhile wins,
 * and the delete answers `recording_active`. A record whose object is already gone is deleted.
 */
export async function deleteRecording(
  deps: RecordingDeletionDependencies,
  ref: RecordingRef,
  by: Deleter,
  reason: DeletionReason,
): Promise<DeletionReport> {
  const log = deps.logger.child({ ...ref, reason });
  // Asked the moment a client saw the recording final: the server's value, not this cache.
  const record = await deps.store.readFresh(ref);
  if (record === undefined) throw deletionErrors.notFound();
  if (!(await mayDelete(deps, record, by))) throw deletionErrors.notAllowed();
  if (!isFinalStatus(record.status)) throw deletionErrors.active(record.status);

  const objectNames = new Set([storageObjectName(ref.roomKey, ref.recordingId)]);
  if (record.storagePath !== undefined) objectNames.add(record.storagePath);
  let objectDeleted = false;
  for (const name of objectNames) {
    try {
      await deps.bucket().file(name).delete();
      objectDeleted = true;
    } catch (error) {
      if (!isNotFound(error)) throw deletionErrors.storageUnavailable(error);
    }
  }

  const file = join(deps.outputDir, recordingFileName(ref.roomKey, ref.recordingId));
  const localFileDeleted = await removeIfPresent(file);
  const sidecar = uploadStatePath(file);
  await rm(sidecar, { force: true });
  await rm(`${sidecar}.tmp`, { force: true });
  // A record's egressId came from LiveKit; only an id of LiveKit's shape may name a file.
  if (record.egressId !== undefined && EGRESS_ID_PATTERN.test(record.egressId)) {
    await rm(join(dirname(file), `${record.egressId}.json`), { force: true });
  }
  // The room's directory goes with its last recording; a non-empty one stays.
  await rmdir(dirname(file)).catch(() => undefined);

  const removed = await deps.store.removeFinal(ref);
  if (!removed.removed && removed.reason === 'active') {
    const now = await deps.store.read(ref);
    throw deletionErrors.active(now?.status ?? 'active');
  }
  log.info(
    {
      by: by.kind === 'user' ? by.uid : 'service',
      status: record.status,
      objectDeleted,
      localFileDeleted,
    },
    'recording deleted',
  );
  deps.onDeleted?.(reason);
  return { ...ref, objectDeleted, localFileDeleted };
}
