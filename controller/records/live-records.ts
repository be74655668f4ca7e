import type { Database, DataSnapshot, Reference } from 'firebase-admin/database';
import { recordingPath } from '../../common/recording-paths.js';
import { isFinalStatus, isRecordingStatus } from './recording-status.js';

interface Ref {
  readonly roomKey: string;
  readonly recordingId: string;
}

interface Watch {
  readonly ref: Reference;
  readonly onValue: (snapshot: DataSnapshot) => void;
}

/**
 * A `value` listener on every live recording this controller moves. While one is held the SDK
 * keeps that record current in its cache, so a read of it (`get()`) is answered from the cache and
 * a transaction's first attempt starts from the right value: a webhook, a progress write or a
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

  follow(record: Ref): void {
    const key = recordingPath(record.roomKey, record.recordingId);
    if (this.watches.has(key)) return;
    const ref = this.db.ref(key);
    const onValue = (snapshot: DataSnapshot) => {
      const status: unknown = snapshot.child('status').val();
      if (!snapshot.exists() || (isRecordingStatus(status) && isFinalStatus(status)))
        this.forget(record);
    };
    this.watches.set(key, { ref, onValue });
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
