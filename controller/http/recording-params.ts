import { z } from 'zod';
import { RECORDING_ID_PATTERN, ROOM_KEY_PATTERN } from '../../common/recording/recording-paths.js';

/** The path parameters of the routes about one recording: `/recordings/:roomKey/:recordingId`. */
export const recordingParamsSchema = z
  .object({
    roomKey: z.string().regex(ROOM_KEY_PATTERN, 'must be a room key'),
    recordingId: z.string().regex(RECORDING_ID_PATTERN, 'must be a recording id'),
  })
  .strict();
