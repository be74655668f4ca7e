import type { RecordingErrorCode } from '../../../common/recording/recording-error-codes.js';

/**
 * One sentence a participant understands for each stable `error.code` (docs/architecture.md,
 * "Error codes").
 */
export const RECORDING_ERROR_SENTENCES: Readonly<Record<RecordingErrorCode, string>> = {
  request_expired:
    'The recording request was not taken up in time, so it was dropped. Start it again.',
  not_in_room: 'Only someone connected to the room can start a recording.',
  room_not_found: 'The room was not open on the media server, so there was nothing to record.',
  already_recording: 'This room is already being recorded.',
  nothing_to_record: 'There was nothing to record: no one in the room was sharing audio or video.',
  egress_unavailable: 'The recorder is not available right now. Try again in a minute.',
  egress_start_timeout: 'The recorder did not start in time, so the recording was abandoned.',
  egress_failed: 'The recorder failed while recording.',
  egress_lost:
    'The recorder stopped answering and its file never reached the server, so the recording is lost.',
  file_missing: 'The recording file could not be found on the server.',
  file_incomplete:
    'The recording file is incomplete, so it was not uploaded; the server keeps it for repair.',
  upload_failed: 'The upload failed; the server keeps the file and will try again.',
  invalid_command: 'The recording request was not valid.',
  video_not_supported:
    'This server is too small to record video: choose audio only and start the recording again.',
};
