/**
 * Where things live (docs/architecture.md, "Keys and names" and "Database layout"), shared by the
 * SPA, the controller and the rules tests so a path is spelled in one place.
 */

/** Push ids (and so recording ids) are 20 characters of this alphabet. */
export const RECORDING_ID_PATTERN = /^[A-Za-z0-9_-]{20}$/;
export const ROOM_KEY_PATTERN = /^[A-Za-z0-9_-]{1,255}$/;
/** LiveKit's egress ids: `EG_` and a short random id. One names a file when a recording goes. */
export const EGRESS_ID_PATTERN = /^EG_[A-Za-z0-9]{1,64}$/;

export type CommandAction = 'start' | 'stop' | 'delete';

export const recordingPath = (roomKey: string, recordingId: string) =>
  `recordings/${roomKey}/${recordingId}`;

export const roomRecordingsPath = (roomKey: string) => `recordings/${roomKey}`;

/** One start and one stop per recording, ever: the key makes a command idempotent. */
export const commandId = (recordingId: string, action: CommandAction) => `${recordingId}_${action}`;

export const commandPath = (recordingId: string, action: CommandAction) =>
  `recordingQueue/${commandId(recordingId, action)}`;

export const COMMAND_QUEUE_PATH = 'recordingQueue';

/**
 * The user's last command, written in the same update as it: the rules accept a command only
 * when this names it, so one update carries one command (docs/security.md).
 */
export const commandMarkPath = (uid: string) => `commandMarks/${uid}`;

/** Who belongs to a room: written by the controller when it gives a user a token for it. */
export const roomMemberPath = (roomKey: string, uid: string) => `rooms/${roomKey}/members/${uid}`;

/** A closed room's guest list: when it exists, only these users get a token. */
export const roomAllowedPath = (roomKey: string) => `rooms/${roomKey}/allowed`;

export const activeRecordingPath = (roomKey: string) => `rooms/${roomKey}/activeRecording`;

/** The egress writes here, relative to RECORDING_OUTPUT_DIR; the Storage object has the same name. */
export const recordingFileName = (roomKey: string, recordingId: string) =>
  `${roomKey}/${recordingId}.mp4`;

export const storageObjectName = (roomKey: string, recordingId: string) =>
  `recordings/${recordingFileName(roomKey, recordingId)}`;

/**
 * A participant's receipt that they saw the recording notice (docs/architecture.md, "Database
 * layout").
 */
export const consentPath = (roomKey: string, recordingId: string, uid: string) =>
  `${recordingPath(roomKey, recordingId)}/consents/${uid}`;
