/** The stable `error.code` values a failed recording carries (DESIGN §3); clients match on them. */
export const RECORDING_ERROR_CODES = [
  'not_in_room',
  'already_recording',
  'nothing_to_record',
  'egress_unavailable',
  'egress_start_timeout',
  'egress_failed',
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
