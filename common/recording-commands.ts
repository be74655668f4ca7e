import { type CommandAction, commandPath, recordingPath } from './recording-paths.js';
import { roomKeyFromUrl } from './room-key.js';

/**
 * The multi-location updates a participant writes to start or stop a recording (DESIGN §3),
 * built in one place for the SPA (web SDK) and the controller's HTTP routes (Admin SDK).
 * `serverTime` is the caller's SDK's server-timestamp sentinel; the rules require it.
 */
export interface CommandRequest {
  readonly roomUrl: string;
  readonly recordingId: string;
  readonly uid: string;
  readonly serverTime: unknown;
}

function queueEntry(action: CommandAction, roomKey: string, request: CommandRequest) {
  return {
    [commandPath(request.recordingId, action)]: {
      action,
      roomKey,
      recordingId: request.recordingId,
      by: request.uid,
      at: request.serverTime,
    },
  };
}

/** The new record in `requested` and its start command, accepted by the rules together or not at all. */
export function startRecordingUpdate(request: CommandRequest): Record<string, unknown> {
  const roomKey = roomKeyFromUrl(request.roomUrl);
  return {
    [recordingPath(roomKey, request.recordingId)]: {
      roomUrl: request.roomUrl,
      requestedBy: request.uid,
      requestedAt: request.serverTime,
      status: 'requested',
    },
    ...queueEntry('start', roomKey, request),
  };
}

/** The stop request on the record and its stop command: once per recording, ever. */
export function stopRecordingUpdate(request: CommandRequest): Record<string, unknown> {
  const roomKey = roomKeyFromUrl(request.roomUrl);
  const record = recordingPath(roomKey, request.recordingId);
  return {
    [`${record}/stopRequestedBy`]: request.uid,
    [`${record}/stopRequestedAt`]: request.serverTime,
    ...queueEntry('stop', roomKey, request),
  };
}
