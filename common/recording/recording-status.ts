/**
 * The life of a recording (docs/architecture.md, "Statuses and their deadlines") as data: which
 * statuses exist and which moves are legal. Only `records/` writes a status, and only through
 * `assertTransition`.
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
 * The two exceptions to "final is final", each a failure whose file is kept or may still come:
 * `failed: upload_failed` (its file kept on disk) goes back to `uploading` when a later pass
 * retries the upload; `failed: egress_lost` goes to `processing` when the file of the egress
 * LiveKit had lost turns up after all (its worker recorded on and finished it). Kept out of
 * TRANSITIONS so that no ordinary move can leave `failed`; only a step may reopen.
 */
export function canReopen(
  record: {
    readonly status: RecordingStatus;
    readonly error?: { readonly code: string } | undefined;
  },
  to: RecordingStatus,
): boolean {
  if (record.status !== 'failed') return false;
  const code = record.error?.code;
  return (
    (code === 'upload_failed' && to === 'uploading') ||
    (code === 'egress_lost' && to === 'processing')
  );
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
