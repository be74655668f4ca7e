/**
 * The life of a recording (DESIGN §3) as data: which statuses exist and which moves are legal.
 * Only `records/` writes a status, and only through `assertTransition`.
 */
export const RECORDING_STATUSES = [
  'requested',
  'starting',
  'recording',
  'stopping',
  'processing',
  'uploading',
  'uploaded',
  'failed',
  'canceled',
] as const;

export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const FINAL_STATUSES: ReadonlySet<RecordingStatus> = new Set([
  'uploaded',
  'failed',
  'canceled',
]);

/**
 * Forward moves only. Skips exist because events get lost: a record may learn that its egress
 * ended (→ processing) without ever hearing that it was active.
 */
const TRANSITIONS: Readonly<Record<RecordingStatus, readonly RecordingStatus[]>> = {
  requested: ['starting', 'canceled', 'failed'],
  starting: ['recording', 'stopping', 'processing', 'canceled', 'failed'],
  // An egress that aborts because it was stopped before its pipeline started ends as canceled,
  // even when a lost or early event had already moved the record on.
  recording: ['stopping', 'processing', 'canceled', 'failed'],
  stopping: ['processing', 'canceled', 'failed'],
  processing: ['uploading', 'failed'],
  uploading: ['uploaded', 'failed'],
  uploaded: [],
  failed: [],
  canceled: [],
};

/** While a recording is in one of these, it holds its room: no second recording may start. */
export const HOLDS_ROOM: ReadonlySet<RecordingStatus> = new Set([
  'starting',
  'recording',
  'stopping',
]);

/** A stop request still acts on a recording in one of these (the rules accept it only then). */
export const STOPPABLE: ReadonlySet<RecordingStatus> = new Set([
  'requested',
  'starting',
  'recording',
]);

export const isRecordingStatus = (value: unknown): value is RecordingStatus =>
  typeof value === 'string' && (RECORDING_STATUSES as readonly string[]).includes(value);

export const isFinalStatus = (status: RecordingStatus): boolean => FINAL_STATUSES.has(status);

export function canTransition(from: RecordingStatus, to: RecordingStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/**
 * The one exception to "final is final": `failed: upload_failed` keeps its file on disk and may go
 * back to `uploading` when a later reconciliation retries it. Kept out of TRANSITIONS so that
 * no ordinary `transition()` can leave `failed`; only `RecordingStore.reopenFailedUpload` uses it.
 */
export function canReopenUpload(record: {
  readonly status: RecordingStatus;
  readonly error?: { readonly code: string } | undefined;
}): boolean {
  return record.status === 'failed' && record.error?.code === 'upload_failed';
}

export class IllegalTransitionError extends Error {
  readonly code = 'illegal_transition';

  constructor(
    readonly from: RecordingStatus,
    readonly to: RecordingStatus,
  ) {
    super(`A recording cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
  }
}

export function assertTransition(from: RecordingStatus, to: RecordingStatus): void {
  if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
}
