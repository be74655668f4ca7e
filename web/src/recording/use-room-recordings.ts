import { type Database, limitToLast, onValue, orderByKey, query, ref } from 'firebase/database';
import { useEffect, useState } from 'react';
import {
  type ActiveRecordingAsRead,
  type RecordAsRead,
  readActiveRecording,
  readRecordingRecord,
} from '../../../common/recording/read-recording-record.js';
import {
  activeRecordingPath,
  roomRecordingsPath,
} from '../../../common/recording/recording-paths.js';

/** How many of a room's recordings the view shows (newest first). */
const LISTED_RECORDINGS = 20;

export interface ListedRecording {
  readonly recordingId: string;
  readonly record: RecordAsRead;
}

export interface RoomRecordings {
  /** Newest first. */
  readonly recordings: readonly ListedRecording[];
  /** `rooms/<roomKey>/activeRecording`, the recording indicator; null when the room is free. */
  readonly active: ActiveRecordingAsRead | null;
  /** A listener the rules refused or that failed. */
  readonly error: string | undefined;
  readonly loaded: boolean;
}

/** The room's recordings and its lock, live from the database, as every participant sees them. */
export function useRoomRecordings(db: Database, roomKey: string): RoomRecordings {
  const [recordings, setRecordings] = useState<readonly ListedRecording[]>([]);
  const [active, setActive] = useState<ActiveRecordingAsRead | null>(null);
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
          const record = readRecordingRecord(child.val());
          if (record !== undefined && child.key !== null) {
            next.push({ recordingId: child.key, record });
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
        setActive(readActiveRecording(snapshot.val()) ?? null);
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
