import { type Database, ServerValue } from 'firebase-admin/database';
import { stopRecordingUpdate } from '../common/recording/recording-commands.js';
import { recordingPath } from '../common/recording/recording-paths.js';
import { activeRecordingSchema, recordingRecordOf } from '../common/recording/recording-record.js';
import { readOnce } from '../controller/firebase/read-once.js';

export interface DrainOptions {
  /** How long to wait for every room to be released. */
  readonly timeoutMs: number;
  /** Told each recording whose stop this drain requested. */
  readonly onStop?: (roomKey: string, recordingId: string) => void;
}

export interface DrainOutcome {
  /** `roomKey/recordingId` of every recording this drain asked to stop. */
  readonly stopped: readonly string[];
  /** Rooms still held by a recording when the time ran out (0: drained). */
  readonly remaining: number;
}

const POLL_MS = 1_000;

/** The room locks: `rooms/` holds one per active recording and nothing else. */
async function activeRecordings(db: Database) {
  const locks: { roomKey: string; recordingId: string }[] = [];
  (await readOnce(db.ref('rooms'))).forEach((room) => {
    const lock = activeRecordingSchema.safeParse(room.child('activeRecording').val());
    if (lock.success && room.key !== null) {
      locks.push({ roomKey: room.key, recordingId: lock.data.recordingId });
    }
  });
  return locks;
}

/**
 * Before an upgrade or a shutdown: asks the controller to stop every active recording, the
 * way its requester would (the stop command, in the requester's name, so the controller's own
 * permission check passes), then waits until no room is held, which the controller releases
 * once egress has finished the file (docs/deployment.md, section 8).
 */
export async function drainRecordings(db: Database, options: DrainOptions): Promise<DrainOutcome> {
  const stopped: string[] = [];
  for (const { roomKey, recordingId } of await activeRecordings(db)) {
    const record = recordingRecordOf(
      (await readOnce(db.ref(recordingPath(roomKey, recordingId)))).val(),
    );
    if (record === undefined || record.stopRequestedBy !== undefined) continue;
    await db.ref().update(
      stopRecordingUpdate({
        roomUrl: record.roomUrl,
        recordingId,
        uid: record.requestedBy,
        serverTime: ServerValue.TIMESTAMP,
      }),
    );
    stopped.push(`${roomKey}/${recordingId}`);
    options.onStop?.(roomKey, recordingId);
  }
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const remaining = (await activeRecordings(db)).length;
    if (remaining === 0 || Date.now() >= deadline) return { stopped, remaining };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
