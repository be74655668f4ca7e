import type { Database } from 'firebase-admin/database';
import { activeRecordingSchema } from '../../common/recording/recording-record.js';
import type { RecordingStatus } from '../../common/recording/recording-status.js';
import { readOnce } from '../firebase/read-once.js';

const READ_TIMEOUT_MS = 2_000;

/**
 * Counts the room locks by status: `rooms/` holds one lock per active recording and nothing
 * else, so this read is as small as what is live. A database that does not answer in time
 * fails the scrape rather than holding it.
 */
export function activeRecordingsOf(db: Database) {
  return async (): Promise<ReadonlyMap<RecordingStatus, number>> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error('the database did not answer for metrics')),
        READ_TIMEOUT_MS,
      );
    });
    try {
      const snapshot = await Promise.race([readOnce(db.ref('rooms')), timeout]);
      const counts = new Map<RecordingStatus, number>();
      snapshot.forEach((room) => {
        const lock = activeRecordingSchema.safeParse(room.child('activeRecording').val());
        if (lock.success) counts.set(lock.data.status, (counts.get(lock.data.status) ?? 0) + 1);
      });
      return counts;
    } finally {
      clearTimeout(timer);
    }
  };
}
