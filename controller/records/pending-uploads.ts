import { z } from 'zod';
import type { RecordingStatus } from '../../common/recording/recording-status.js';

/**
 * The index of recordings whose file is on its way to Storage: one entry per record in
 * `processing` or `uploading`, at `uploads/pending/<roomKey>/<recordingId>`, so start-up and
 * the periodic pass read what is pending, never the history under `recordings/`. Controller
 * only: the database rules deny clients the whole `uploads/` tree.
 *
 * `RecordingStore` keeps it: the entry is written before a record enters a pending status and
 * removed after it leaves, so a crash between the two writes leaves at worst an entry too many,
 * which the next pass drops once it reads the record.
 */
export const PENDING_UPLOADS_PATH = 'uploads/pending';

export const pendingUploadPath = (roomKey: string, recordingId: string) =>
  `${PENDING_UPLOADS_PATH}/${roomKey}/${recordingId}`;

export const PENDING_UPLOAD_STATUSES: ReadonlySet<RecordingStatus> = new Set([
  'processing',
  'uploading',
]);

export const pendingUploadSchema = z.object({
  status: z.enum(['processing', 'uploading']),
  /** The controller that wrote the entry: for `uploading`, the one whose disk holds the file. */
  by: z.string(),
  /** When the record entered that status (server time, ms). */
  since: z.number(),
});

export type PendingUploadEntry = z.infer<typeof pendingUploadSchema>;

export interface PendingUpload extends PendingUploadEntry {
  readonly roomKey: string;
  readonly recordingId: string;
}

/**
 * Whether this controller should drive a pending upload whose file it does not have (which ends it
 * `failed: file_missing`). Several controllers may share the database (docs/architecture.md,
 * "Scaling out"), each with its own disk: an upload under way belongs to the controller that
 * started it, and a finished file nobody has taken is given time for the controller that holds it
 * to find it.
 */
export function claimsMissingFile(
  entry: PendingUploadEntry,
  controllerId: string,
  now: number,
  missingFileAfterMs: number,
): boolean {
  if (entry.status === 'uploading') return entry.by === controllerId;
  return now - entry.since >= missingFileAfterMs;
}
