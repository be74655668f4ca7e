/**
 * The stable `error.code` values this controller writes on a failed recording
 * (docs/architecture.md, "Error codes"); clients match on them. Readers accept any other code too:
 * a newer controller may write one this build does not know.
 */
export const RECORDING_ERROR_CODES = [
  'request_expired',
  'not_in_room',
  'room_not_found',
  'already_recording',
  'nothing_to_record',
  'egress_unavailable',
  'egress_start_timeout',
  'egress_failed',
  'egress_lost',
  'file_missing',
  'file_incomplete',
  'upload_failed',
  'invalid_command',
  'video_not_supported',
] as const;

export type RecordingErrorCode = (typeof RECORDING_ERROR_CODES)[number];

export interface RecordingError {
  readonly code: RecordingErrorCode;
  readonly message: string;
}
