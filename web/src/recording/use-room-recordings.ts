import { type Database, limitToLast, onValue, orderByKey, query, ref } from 'firebase/database';
import { useEffect, useState } from 'react';
import {
  activeRecordingPath,
  roomRecordingsPath,
} from '../../../common/recording/recording-paths.js';
import {
  type ActiveRecording,
  activeRecordingSchema,
  type RecordingRecord,
  recordingRecordSchema,
} from '../../../common/recording/recording-record.js';

/** How many of a room's recordings the view shows (newest first). */
const LISTED_RECORDINGS = 20;

export interface ListedRecording {
  readonly recordingId: string;
  readonly record: RecordingRecord;
}

export interface RoomRecordings {
  /** Newest first. */
  readonly recordings: readonly ListedRecording[];
  /** `rooms/<roomKey>/activeRecording`, the recording indicator; null when the room is free. */
  readonly active: ActiveRecording | null;
  /** A listener the rules refused or that failed. */
  readonly error: string | undefined;
  readonly loaded: boolean;
}

/** The room's recordings and its lock, live from the database, as every participant sees them. */
export function useRoomRecordings(db: Database, roomKey: string): RoomRecordings {
  const [recordings, setRecordings] = useState<readonly ListedRecording[]>([]);
  const [active, setActive] = useState<ActiveRecording | null>(null);
  const [error, setError] = useState<string>();
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    const listed = query(
      ref(db, roomRecordingsPath(roomKey)),
      orderByKey(),
      limitToLast(LISTED_RECORDINGS),
    );
    const stopRecordings = onValue(
      listed,
      (snapshot) => {
        const next: ListedRecording[] = [];
        snapshot.forEach((child) => {
          const parsed = recordingRecordSchema.safeParse(child.val());
          if (parsed.success && child.key !== null) {
            next.push({ recordingId: child.key, record: parsed.data });
          }
        });
        setRecordings(next.reverse());
        setLoaded(true);
      },
      (failure) => setError(`Could not read this room's recordings: ${failure.message}`),
    );
    const stopActive = onValue(
      ref(db, activeRecordingPath(roomKey)),
      (snapshot) => {
        const parsed = activeRecordingSchema.safeParse(snapshot.val());
        setActive(parsed.success ? parsed.data : null);
      },
      (failure) => setError(`Could not read this room's recording state: ${failure.message}`),
    );
    return () => {
      stopRecordings();
      stopActive();
    };
  }, [db, roomKey]);

  return { recordings, active, error, loaded };
}
