import { type Database, push, ref, serverTimestamp, set, update } from 'firebase/database';
import {
  deleteRecordingUpdate,
  startRecordingUpdate,
  stopRecordingUpdate,
} from '../../../common/recording/recording-commands.js';
import type { RecordingOptions } from '../../../common/recording/recording-options.js';
import { consentPath } from '../../../common/recording/recording-paths.js';
import { roomKeyFromUrl } from '../../../common/room-key.js';

/** Writes the record and its start command in one multi-location update; resolves with its id. */
export async function requestRecordingStart(
  db: Database,
  roomUrl: string,
  uid: string,
  options: RecordingOptions,
): Promise<string> {
  const recordingId = push(ref(db, 'recordings')).key;
  if (recordingId === null) throw new Error('could not make a recording id');
  await update(
    ref(db),
    startRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp(), options }),
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

/**
 * The delete command; the controller then removes the file and the record, so the record
 * leaving the list is the answer. Rejects when the rules refuse it.
 */
export async function requestRecordingDelete(
  db: Database,
  roomUrl: string,
  recordingId: string,
  uid: string,
): Promise<void> {
  await update(
    ref(db),
    deleteRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp() }),
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
