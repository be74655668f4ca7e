import type { Database, DataSnapshot, Reference } from 'firebase-admin/database';
import { recordingPath } from '../../common/recording/recording-paths.js';
import {
  type RecordingRecord,
  recordingRecordOf,
} from '../../common/recording/recording-record.js';
import { isFinalStatus } from '../../common/recording/recording-status.js';

interface Ref {
  readonly roomKey: string;
  readonly recordingId: string;
}

interface Watch {
  readonly ref: Reference;
  readonly onValue: (snapshot: DataSnapshot) => void;
  /** The record as the listener last delivered it; absent until the first value arrives. */
  current?: { readonly record: RecordingRecord | undefined };
}

/** What `current` answers for a record no listener holds yet: read it from the database. */
export const NOT_HELD = Symbol('not held');

/**
 * A `value` listener on every live recording this controller moves. While one is held the SDK
 * keeps that record current in its cache, so a read of it is answered here (`current`) and a
 * transaction's first attempt starts from the right value: a webhook, a progress write or a
 * reconciliation of a live recording needs no round trip to read it. A listener goes as soon as
 * its record is final or gone, so what is held is bounded by the recordings under way, never by
 * the history.
 */
export class LiveRecords {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly db: Database) {}

  get size(): number {
    return this.watches.size;
  }

  /**
   * The record as the listener last delivered it, parsed once per change, or NOT_HELD when no
   * listener has delivered it yet: the value `get()` would answer from the SDK's cache (the
   * store's transactions are not applied locally, so it is what the server confirmed), without
   * the snapshot, the copy and the parse a `get()` costs each time. Shared by every reader, so
   * frozen (readers treat its nested objects as read-only too).
   */
  current(record: Ref): RecordingRecord | undefined | typeof NOT_HELD {
    const current = this.watches.get(recordingPath(record.roomKey, record.recordingId))?.current;
    return current === undefined ? NOT_HELD : current.record;
  }

  follow(record: Ref): void {
    const key = recordingPath(record.roomKey, record.recordingId);
    if (this.watches.has(key)) return;
    const ref = this.db.ref(key);
    const onValue = (snapshot: DataSnapshot) => {
      const read = recordingRecordOf(snapshot.val());
      const current = read === undefined ? undefined : Object.freeze(read);
      watch.current = { record: current };
      if (current === undefined || isFinalStatus(current.status)) this.forget(record);
    };
    const watch: Watch = { ref, onValue };
    this.watches.set(key, watch);
    // A canceled listener (rules, shutdown) only loses the cache: reads go to the server again.
    ref.on('value', onValue, () => this.watches.delete(key));
  }

  forget(record: Ref): void {
    const key = recordingPath(record.roomKey, record.recordingId);
    const watch = this.watches.get(key);
    if (watch === undefined) return;
    this.watches.delete(key);
    watch.ref.off('value', watch.onValue);
  }

  close(): void {
    for (const watch of this.watches.values()) watch.ref.off('value', watch.onValue);
    this.watches.clear();
  }
}
