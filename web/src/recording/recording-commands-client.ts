import { type Database, push, ref, serverTimestamp, set, update } from 'firebase/database';
import { startRecordingUpdate, stopRecordingUpdate } from '../../../common/recording-commands.js';
import { consentPath } from '../../../common/recording-paths.js';
import { roomKeyFromUrl } from '../../../common/room-key.js';

/** Writes the record and its start command in one multi-location update; resolves with its id. */
export async function requestRecordingStart(
  db: Database,
  roomUrl: string,
  uid: string,
): Promise<string> {
  const recordingId = push(ref(db, 'recordings')).key;
  if (recordingId === null) throw new Error('could not make a recording id');
  await update(
    ref(db),
    startRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp() }),
  );
  return recordingId;
}

/** Writes the stop request and its stop command in one multi-location update. */
export async function requestRecordingStop(
  db: Database,
  roomUrl: string,
  recordingId: string,
  uid: string,
): Promise<void> {
  await update(
    ref(db),
    stopRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp() }),
  );
}

/** The participant's receipt that they saw the recording notice (once, while it is active). */
export async function acknowledgeRecording(
  db: Database,
  roomUrl: string,
  recordingId: string,
  uid: string,
): Promise<void> {
  await set(ref(db, consentPath(roomKeyFromUrl(roomUrl), recordingId, uid)), serverTimestamp());
}
