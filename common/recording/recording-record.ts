import { z } from 'zod';
import { RECORDING_STATUSES } from './recording-status.js';

/**
 * A recording as stored at `recordings/<roomKey>/<recordingId>` (docs/architecture.md, "Database
 * layout"). Read tolerantly: unknown fields pass through, so an older or newer controller's fields
 * are kept on rewrite.
 */
export const recordingRecordSchema = z
  .object({
    roomUrl: z.string(),
    requestedBy: z.string(),
    requestedAt: z.number(),
    status: z.enum(RECORDING_STATUSES),
    stopRequestedBy: z.string().optional(),
    stopRequestedAt: z.number().optional(),
    consents: z.record(z.string(), z.number()).optional(),
    egressId: z.string().optional(),
    startedAt: z.number().optional(),
    endedAt: z.number().optional(),
    durationMs: z.number().optional(),
    sizeBytes: z.number().optional(),
    storagePath: z.string().optional(),
    downloadUrl: z.string().optional(),
    /** When a signed `downloadUrl` stops working (ms since epoch); absent for a token link. */
    downloadUrlExpiresAt: z.number().optional(),
    progress: z.object({ bytes: z.number(), total: z.number() }).optional(),
    /** Any code: one this build does not know (a newer controller's) still shows its record. */
    error: z.object({ code: z.string(), message: z.string() }).optional(),
    /**
     * What egress reported when it ended FAILED, ABORTED or LIMIT_REACHED with a complete file:
     * the file is uploaded all the same, and this says why it may be shorter than asked.
     */
    egressError: z.string().optional(),
    /** The controller whose transaction took the last command (start or stop), and when. */
    claim: z.object({ by: z.string(), at: z.number() }).optional(),
    updatedAt: z.number().optional(),
  })
  .loose();

export type RecordingRecord = z.infer<typeof recordingRecordSchema>;

/** The record `raw` holds, or undefined when there is none or it is malformed. */
export function recordingRecordOf(raw: unknown): RecordingRecord | undefined {
  const parsed = recordingRecordSchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

/** Controller-owned fields; the only ones `records/` writes besides `status`. */
export type ControllerFields = Partial<
  Pick<
    RecordingRecord,
    | 'egressId'
    | 'startedAt'
    | 'endedAt'
    | 'durationMs'
    | 'sizeBytes'
    | 'storagePath'
    | 'downloadUrl'
    | 'downloadUrlExpiresAt'
    | 'progress'
    | 'egressError'
    | 'claim'
  >
>;

/** The lock at `rooms/<roomKey>/activeRecording`: every participant's recording indicator. */
export const activeRecordingSchema = z.object({
  recordingId: z.string(),
  status: z.enum(RECORDING_STATUSES),
  startedAt: z.number().optional(),
});

export type ActiveRecording = z.infer<typeof activeRecordingSchema>;
