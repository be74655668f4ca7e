import { hostname } from 'node:os';
import { type Database, ServerValue } from 'firebase-admin/database';
import { START_REQUEST_TIMEOUT_MS } from '../../common/recording/recording-deadlines.js';
import type { RecordingError } from '../../common/recording/recording-error-codes.js';
import { activeRecordingPath, recordingPath } from '../../common/recording/recording-paths.js';
import {
  type ActiveRecording,
  activeRecordingSchema,
  type ControllerFields,
  type RecordingRecord,
  recordingRecordOf,
  recordingRecordSchema,
} from '../../common/recording/recording-record.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import {
  canReopen,
  canTransition,
  HOLDS_ROOM,
  isFinalStatus,
  type RecordingStatus,
} from '../../common/recording/recording-status.js';
import { readOnce } from '../firebase/read-once.js';
import { serverTransaction } from '../firebase/server-transaction.js';
import { isJsonObject, type JsonObject } from '../json-object.js';
import type { Logger } from '../logging/logger.js';
import { LiveRecords, NOT_HELD } from './live-records.js';
import {
  nextStep,
  type RecordingEvent,
  type Step,
  type StepContext,
  type StepEffect,
  type StepLimits,
} from './next-step.js';
import {
  PENDING_UPLOAD_STATUSES,
  PENDING_UPLOADS_PATH,
  type PendingUpload,
  pendingUploadPath,
  pendingUploadSchema,
} from './pending-uploads.js';
import { ROOM_HOLDS_PATH, roomHoldPath } from './room-holds.js';

export interface TransitionRefusal {
  readonly applied: false;
  readonly reason: 'missing' | 'malformed' | 'already' | 'not_allowed' | 'changed';
  readonly record?: RecordingRecord;
}

export type TransitionOutcome =
  | { readonly applied: true; readonly record: RecordingRecord }
  | TransitionRefusal;

/** What a step did: whether it moved or annotated the record, and what the caller does next. */
export interface StepOutcome {
  readonly applied: boolean;
  /** The record after the step (or as it was found); absent when there is none. */
  readonly record?: RecordingRecord;
  readonly effects: readonly StepEffect[];
  readonly reason?: string;
}

export type RoomClaim =
  | { readonly claimed: true }
  | { readonly claimed: false; readonly active: ActiveRecording };

/** How a record left the database through `removeFinal`. */
export type RemovalOutcome =
  | { readonly removed: true; readonly record: RecordingRecord }
  | { readonly removed: false; readonly reason: 'missing' | 'malformed' | 'active' };

/** Told of every applied transition (metrics); must not throw. */
export type TransitionObserver = (change: {
  readonly ref: RecordingRef;
  readonly from: RecordingStatus;
  readonly record: RecordingRecord;
  readonly error: RecordingError | undefined;
}) => void;

/**
 * The one module that writes a recording's status (STYLE: one owner per piece of state). Every
 * write is a transaction that reads the current record and only moves it forward through the
 * transition table, so duplicate, late and concurrent events cannot move it back.
 */
export class RecordingStore {
  private observer: TransitionObserver | undefined;
  /** Records this store moved that are not final yet, kept current in the SDK's cache. */
  private readonly live: LiveRecords;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    /** Names this controller in claims and in the pending-upload index (CONTROLLER_ID). */
    private readonly controllerId: string = hostname(),
    /** The deadlines `nextStep` applies. */
    private readonly limits: StepLimits = DEFAULT_STEP_LIMITS,
  ) {
    this.live = new LiveRecords(db);
  }

  /** How many live records this store keeps current (a gauge, and for tests). */
  get liveRecords(): number {
    return this.live.size;
  }

  /** Lets go of every listener; reads go to the server again. */
  close(): void {
    this.live.close();
  }

  /** Tells `observer` of every transition this store applies (metrics); one observer a store. */
  observeTransitions(observer: TransitionObserver): void {
    this.observer = observer;
  }

  /** The record; from its listener while one holds it (a live record, see LiveRecords). */
  async read(ref: RecordingRef): Promise<RecordingRecord | undefined> {
    const held = this.live.current(ref);
    if (held !== NOT_HELD) return held;
    return this.readFresh(ref);
  }

  /**
   * The record as the server has it, even while a listener caches it. For answers to a client
   * that may have seen a newer value than this process has processed yet (a link asked for the
   * moment `uploaded` was seen): the cache catches up a moment later, the server already has it.
   */
  async readFresh(ref: RecordingRef): Promise<RecordingRecord | undefined> {
    const snapshot = await readOnce(this.db.ref(recordingPath(ref.roomKey, ref.recordingId)));
    return recordingRecordOf(snapshot.val());
  }

  /**
   * The index of records in `processing` or `uploading` (see pending-uploads.ts): what start-up
   * reconciliation reads instead of the whole history. Its size is the number of uploads under way.
   */
  async listPendingUploads(): Promise<PendingUpload[]> {
    const index = (await readOnce(this.db.ref(PENDING_UPLOADS_PATH))).val() as unknown;
    if (!isJsonObject(index)) return [];
    const pending: PendingUpload[] = [];
    for (const [roomKey, room] of Object.entries(index)) {
      if (!isJsonObject(room)) continue;
      for (const [recordingId, value] of Object.entries(room)) {
        const entry = pendingUploadSchema.safeParse(value);
        if (entry.success) pending.push({ ...entry.data, roomKey, recordingId });
        else this.logger.warn({ roomKey, recordingId }, 'malformed pending-upload entry ignored');
      }
    }
    return pending;
  }

  /** Drops an index entry whose record is no longer pending (one a crash left behind). */
  async forgetPendingUpload(ref: RecordingRef): Promise<void> {
    await this.db.ref(pendingUploadPath(ref.roomKey, ref.recordingId)).remove();
  }

  /**
   * Written before the record enters `status`, so a crash in between cannot hide a pending
   * upload. An entry already in that status is kept: repeated events must not restart its clock.
   */
  private async notePendingUpload(ref: RecordingRef, status: RecordingStatus): Promise<void> {
    await serverTransaction(
      this.db.ref(pendingUploadPath(ref.roomKey, ref.recordingId)),
      (current: unknown) => {
        if (isJsonObject(current) && current.status === status) return undefined;
        return { status, by: this.controllerId, since: ServerValue.TIMESTAMP };
      },
    );
  }

  /**
   * What `event` means for the record, decided by `nextStep` inside the record's transaction
   * (so on the record as the database holds it) and applied: its move, its fields, and the
   * effects the caller carries out. Two controllers taking the same event race in the
   * transaction: one moves the record, the other finds it moved and is told so.
   */
  async step(
    ref: RecordingRef,
    event: RecordingEvent,
    options: {
      readonly now?: number;
      /**
       * The record as the caller just read it (the inbox's listener): the plan is made on it
       * without another read; the transaction decides on the database's value all the same.
       */
      readonly seen?: RecordingRecord;
    } = {},
  ): Promise<StepOutcome> {
    const context: StepContext = {
      now: options.now ?? Date.now(),
      limits: this.limits,
      controllerId: this.controllerId,
    };
    const seen = options.seen ?? (await this.read(ref));
    if (seen === undefined) return { applied: false, effects: [], reason: 'no record' };
    const plan = nextStep(seen, event, context);
    if (plan.to === undefined && plan.fields === undefined) {
      this.logger.debug(
        { ...ref, event: event.kind, reason: plan.reason },
        'event changes nothing',
      );
      return { applied: false, record: seen, effects: plan.effects, reason: plan.reason };
    }
    let decided: Step = plan;
    const decide = (record: RecordingRecord) => {
      decided = nextStep(record, event, context);
      return decided.to === plan.to && (plan.to !== undefined || decided.fields !== undefined)
        ? decided
        : undefined;
    };
    const outcome =
      plan.to === undefined
        ? await this.annotateIf(ref, decide)
        : await this.move(ref, plan.to, decide, { reopen: true });
    if (outcome.applied) return { applied: true, record: outcome.record, effects: decided.effects };
    // The record moved on meanwhile: what the event asks of it now, short of another move.
    const latest = outcome.record;
    if (latest === undefined) return { applied: false, effects: [], reason: outcome.reason };
    const meanwhile = nextStep(latest, event, context);
    return {
      applied: false,
      record: latest,
      effects:
        meanwhile.to === undefined && meanwhile.fields === undefined ? meanwhile.effects : [],
      reason: outcome.reason,
    };
  }

  /** Moves the record to `to` (with controller fields) if the table allows it from where it is. */
  async transition(
    ref: RecordingRef,
    to: RecordingStatus,
    change: { readonly fields?: ControllerFields; readonly error?: RecordingError } = {},
  ): Promise<TransitionOutcome> {
    return this.move(ref, to, () => change);
  }

  /**
   * The move itself: `decide` sees the record inside the transaction and gives the fields and
   * error to write, or undefined to refuse (the record is no longer where the move was decided).
   */
  private async move(
    ref: RecordingRef,
    to: RecordingStatus,
    decide: (
      record: RecordingRecord,
    ) => { readonly fields?: ControllerFields; readonly error?: RecordingError } | undefined,
    /** Only a step may take a record out of `failed` (`canReopen`); a plain transition never. */
    options: { readonly reopen: boolean } = { reopen: false },
  ): Promise<TransitionOutcome> {
    const entersPending = PENDING_UPLOAD_STATUSES.has(to);
    if (entersPending) await this.notePendingUpload(ref, to);
    let from: RecordingStatus | undefined;
    let error: RecordingError | undefined;
    const outcome = await this.rewrite(ref, (record, current) => {
      from = record.status;
      if (record.status === to) return { refuse: { applied: false, reason: 'already', record } };
      const reopening = options.reopen && canReopen(record, to);
      if (!canTransition(record.status, to) && !reopening) {
        return { refuse: { applied: false, reason: 'not_allowed', record } };
      }
      const change = decide(record);
      if (change === undefined) return { refuse: { applied: false, reason: 'changed', record } };
      error = change.error;
      // A reopened record is no longer failed: its old error goes with the status.
      const { error: _failure, ...kept } = current;
      return {
        write: {
          ...(reopening ? kept : current),
          ...withoutUndefined(change.fields ?? {}),
          ...(change.error === undefined ? {} : { error: change.error }),
          status: to,
          updatedAt: ServerValue.TIMESTAMP,
        },
      };
    });
    if (!outcome.applied) {
      const stillPending =
        outcome.record !== undefined && PENDING_UPLOAD_STATUSES.has(outcome.record.status);
      if (entersPending && !stillPending) await this.forgetPendingUpload(ref);
      const log = outcome.reason === 'already' ? this.logger.debug : this.logger.info;
      log.call(
        this.logger,
        { ...ref, to, reason: outcome.reason, status: outcome.record?.status },
        'recording transition not applied',
      );
      return outcome;
    }
    this.logger.info({ ...ref, status: to, errorCode: error?.code }, `recording ${to}`);
    if (isFinalStatus(to)) this.live.forget(ref);
    else this.live.follow(ref);
    // Removed only once the record has left: a crash before this leaves an entry too many.
    if (isFinalStatus(to)) await this.forgetPendingUpload(ref);
    if (from !== undefined) this.observer?.({ ref, from, record: outcome.record, error });
    await this.followRoomLock(ref, outcome.record);
    return outcome;
  }

  /**
   * Deletes a record that is final, in one transaction, so a record that left its final status
   * meanwhile (an upload retried) is never removed; then lets go of a room lock it still holds.
   */
  async removeFinal(ref: RecordingRef): Promise<RemovalOutcome> {
    let outcome = { removed: false, reason: 'missing' } as RemovalOutcome;
    await serverTransaction(
      this.db.ref(recordingPath(ref.roomKey, ref.recordingId)),
      (current: unknown) => {
        outcome = { removed: false, reason: 'missing' };
        if (current === null) return null;
        const parsed = recordingRecordSchema.safeParse(current);
        if (!parsed.success) {
          outcome = { removed: false, reason: 'malformed' };
          return undefined;
        }
        if (!isFinalStatus(parsed.data.status)) {
          outcome = { removed: false, reason: 'active' };
          return undefined;
        }
        outcome = { removed: true, record: parsed.data };
        return null;
      },
    );
    if (outcome.removed) {
      this.logger.info({ ...ref, status: outcome.record.status }, 'recording record deleted');
      await this.releaseRoom(ref);
    }
    return outcome;
  }

  /**
   * One transaction over a record: `decide` sees it parsed and raw, and either rewrites it or
   * refuses. A missing or malformed record is refused before `decide` runs.
   */
  private async rewrite(
    ref: RecordingRef,
    decide: (
      record: RecordingRecord,
      current: JsonObject,
    ) => { write: JsonObject } | { refuse: TransitionRefusal },
  ): Promise<TransitionOutcome> {
    let refusal: TransitionRefusal | undefined;
    const result = await serverTransaction(
      this.db.ref(recordingPath(ref.roomKey, ref.recordingId)),
      (current: unknown) => {
        refusal = undefined;
        // null may only be the empty local cache: answering null lets the server say otherwise.
        if (current === null) {
          refusal = { applied: false, reason: 'missing' };
          return null;
        }
        const parsed = recordingRecordSchema.safeParse(current);
        if (!parsed.success) {
          refusal = { applied: false, reason: 'malformed' };
          return undefined;
        }
        const decision = decide(parsed.data, current as JsonObject);
        if ('refuse' in decision) {
          refusal = decision.refuse;
          return undefined;
        }
        return decision.write;
      },
    );
    if (!result.committed || refusal !== undefined) {
      return refusal ?? { applied: false, reason: 'missing' };
    }
    return { applied: true, record: recordingRecordSchema.parse(result.snapshot.val()) };
  }

  /**
   * Puts a fresh link on an `uploaded` record (a signed URL re-signed before it dies, or the
   * object's current token URL). Only the link changes: the status stays final.
   */
  async replaceDownloadLink(
    ref: RecordingRef,
    link: { readonly url: string; readonly expiresAt: number | undefined },
  ): Promise<boolean> {
    const outcome = await this.rewrite(ref, (record, current) => {
      if (record.status !== 'uploaded')
        return { refuse: { applied: false, reason: 'not_allowed', record } };
      const { downloadUrlExpiresAt: _previous, ...rest } = current;
      return {
        write: {
          ...rest,
          downloadUrl: link.url,
          ...(link.expiresAt === undefined ? {} : { downloadUrlExpiresAt: link.expiresAt }),
          updatedAt: ServerValue.TIMESTAMP,
        },
      };
    });
    return outcome.applied;
  }

  /**
   * Takes back a stop request the controller refused (its author is not in the room), so the
   * once-only stop the rules allow is not used up by someone with no right to it.
   */
  async withdrawStopRequest(ref: RecordingRef, by: string): Promise<boolean> {
    const outcome = await this.rewrite(ref, (record, current) => {
      if (record.stopRequestedBy !== by)
        return { refuse: { applied: false, reason: 'not_allowed', record } };
      // No updatedAt: the start deadline counts from it, and a refused stop must not extend it.
      const { stopRequestedBy: _by, stopRequestedAt: _at, ...rest } = current;
      return { write: rest };
    });
    const withdrawn = outcome.applied;
    if (withdrawn) this.logger.warn({ ...ref, by }, 'stop request withdrawn');
    return withdrawn;
  }

  /** Writes controller fields (egress id, progress) on a record that is not final. */
  async annotate(ref: RecordingRef, fields: ControllerFields): Promise<boolean> {
    return (await this.annotateIf(ref, () => ({ fields }))).applied;
  }

  /** Writes the fields `decide` gives for the record as the transaction sees it (not final). */
  private async annotateIf(
    ref: RecordingRef,
    decide: (record: RecordingRecord) => { readonly fields?: ControllerFields } | undefined,
  ): Promise<TransitionOutcome> {
    return this.rewrite(ref, (record, current) => {
      const change = isFinalStatus(record.status) ? undefined : decide(record);
      if (change === undefined) return { refuse: { applied: false, reason: 'changed', record } };
      return {
        write: {
          ...current,
          ...withoutUndefined(change.fields ?? {}),
          updatedAt: ServerValue.TIMESTAMP,
        },
      };
    });
  }

  /**
   * Takes `rooms/<roomKey>/activeRecording` for this recording, unless another recording that
   * still holds the room has it. A lock left by a recording that has since ended is taken over.
   */
  async claimRoom(ref: RecordingRef): Promise<RoomClaim> {
    const lockRef = this.db.ref(activeRecordingPath(ref.roomKey));
    await this.noteRoomHold(ref);
    for (let attempt = 0; attempt < 3; attempt++) {
      let holder: ActiveRecording | undefined;
      const result = await serverTransaction(lockRef, (current: unknown) => {
        holder = undefined;
        const lock = activeRecordingSchema.safeParse(current);
        if (current === null || !lock.success || lock.data.recordingId === ref.recordingId) {
          return { recordingId: ref.recordingId, status: 'starting' };
        }
        holder = lock.data;
        return undefined;
      });
      if (result.committed && holder === undefined) return { claimed: true };
      if (holder === undefined) continue;
      const other = await this.read({ roomKey: ref.roomKey, recordingId: holder.recordingId });
      if (other !== undefined && HOLDS_ROOM.has(other.status)) {
        await this.forgetRoomHold(ref);
        return { claimed: false, active: { ...holder, status: other.status } };
      }
      await this.releaseRoom({ roomKey: ref.roomKey, recordingId: holder.recordingId });
    }
    throw new Error(`could not claim room ${ref.roomKey}: the lock keeps changing`);
  }

  /** Removes the room lock if, and only if, this recording holds it; then its index entry. */
  async releaseRoom(ref: RecordingRef): Promise<void> {
    await serverTransaction(this.db.ref(activeRecordingPath(ref.roomKey)), (current: unknown) => {
      if (current === null) return null;
      return isJsonObject(current) && current.recordingId === ref.recordingId ? null : undefined;
    });
    await this.forgetRoomHold(ref);
  }

  /**
   * The recordings that may hold their room (see room-holds.ts): the reconciler's index, its
   * size the number of recordings under way, whatever the history of rooms and members.
   */
  async listRoomHolds(): Promise<RecordingRef[]> {
    const index = (await readOnce(this.db.ref(ROOM_HOLDS_PATH))).val() as unknown;
    if (!isJsonObject(index)) return [];
    return Object.entries(index).flatMap(([roomKey, room]) =>
      isJsonObject(room) ? Object.keys(room).map((recordingId) => ({ roomKey, recordingId })) : [],
    );
  }

  /** Written before the lock is taken or taken back, so no lock is ever outside the index. */
  private async noteRoomHold(ref: RecordingRef): Promise<void> {
    await this.db
      .ref(roomHoldPath(ref.roomKey, ref.recordingId))
      .set({ since: ServerValue.TIMESTAMP });
  }

  private async forgetRoomHold(ref: RecordingRef): Promise<void> {
    await this.db.ref(roomHoldPath(ref.roomKey, ref.recordingId)).remove();
  }

  /**
   * The lock mirrors the record: status while it holds the room (taken back if it was lost, once
   * the recording is under way), gone once it no longer does.
   */
  private async followRoomLock(ref: RecordingRef, record: RecordingRecord): Promise<void> {
    if (!HOLDS_ROOM.has(record.status)) {
      await this.releaseRoom(ref);
      return;
    }
    // `starting` comes before the checks: only `claimRoom`, once they pass, takes the room.
    if (record.status === 'starting') return;
    await this.noteRoomHold(ref);
    await serverTransaction(this.db.ref(activeRecordingPath(ref.roomKey)), (current: unknown) => {
      if (current !== null && (!isJsonObject(current) || current.recordingId !== ref.recordingId)) {
        return undefined;
      }
      return withoutUndefined({
        recordingId: ref.recordingId,
        status: record.status,
        startedAt: record.startedAt,
      });
    });
  }
}

/** The configuration's defaults (env-schema.ts), for stores built without a configuration. */
export const DEFAULT_STEP_LIMITS: StepLimits = {
  startRequestTimeoutMs: START_REQUEST_TIMEOUT_MS,
  egressStartTimeoutMs: 60_000,
  egressStopTimeoutMs: 120_000,
  maxDurationMs: 4 * 3600_000,
  idleTimeoutMs: 300_000,
};

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined),
  ) as Partial<T>;
}
