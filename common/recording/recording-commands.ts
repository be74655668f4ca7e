import { roomKeyFromUrl } from '../room-key.js';
import type { RecordingOptions } from './recording-options.js';
import {
  type CommandAction,
  commandId,
  commandMarkPath,
  commandPath,
  recordingPath,
} from './recording-paths.js';

/**
 * The multi-location updates a participant writes to start, stop or delete a recording
 * (docs/architecture.md, "Commands"), built in one place for the SPA (web SDK) and the controller's
 * HTTP routes (Admin SDK). `serverTime` is the caller's SDK's server-timestamp sentinel; the rules
 * require it.
 */
export interface CommandRequest {
  readonly roomUrl: string;
  readonly recordingId: string;
  readonly uid: string;
  readonly serverTime: unknown;
}

/** A start may carry the recording's choices: audio only, a layout, a preset (issue 15). */
export interface StartRequest extends CommandRequest {
  readonly options?: RecordingOptions;
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
    [commandMarkPath(request.uid)]: {
      command: commandId(request.recordingId, action),
      at: request.serverTime,
    },
  };
}

/** Only the choices made: the rules accept no empty or false-by-default fields. */
function chosenOptions(options: RecordingOptions = {}): Record<string, unknown> {
  return {
    ...(options.audioOnly === true ? { audioOnly: true } : {}),
    ...(options.layout === undefined ? {} : { layout: options.layout }),
    ...(options.preset === undefined ? {} : { preset: options.preset }),
  };
}

/** The new record in `requested` and its start command, accepted by the rules together or not at all. */
export function startRecordingUpdate(request: StartRequest): Record<string, unknown> {
  const roomKey = roomKeyFromUrl(request.roomUrl);
  return {
    [recordingPath(roomKey, request.recordingId)]: {
      roomUrl: request.roomUrl,
      requestedBy: request.uid,
      requestedAt: request.serverTime,
      status: 'requested',
      ...chosenOptions(request.options),
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

/**
 * The delete command alone: the rules accept it for a finished recording from its requester
 * (or a user with the `recordingAdmin` claim); the controller then removes the Storage object,
 * the local file and the record. The record disappearing is the answer.
 */
export function deleteRecordingUpdate(request: CommandRequest): Record<string, unknown> {
  return queueEntry('delete', roomKeyFromUrl(request.roomUrl), request);
}
