import { RECORDING_ID_PATTERN, ROOM_KEY_PATTERN } from '../../common/recording/recording-paths.js';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { EgressSnapshot } from './egress-snapshot.js';

// `<roomKey>/<recordingId>.mp4` at the end of any path (docs/architecture.md, "Keys and names"):
// a file maps back to its record without a lookup, whatever directory the egress container mounts.
const RECORDING_FILE = /(?:^|\/)([A-Za-z0-9_-]+)\/([A-Za-z0-9_-]+)\.mp4$/;

/** The recording a file path belongs to, if it is one of ours. */
export function recordingOfPath(path: string): RecordingRef | undefined {
  const match = RECORDING_FILE.exec(path);
  const roomKey = match?.[1];
  const recordingId = match?.[2];
  if (roomKey === undefined || recordingId === undefined) return undefined;
  if (!ROOM_KEY_PATTERN.test(roomKey) || !RECORDING_ID_PATTERN.test(recordingId)) return undefined;
  return { roomKey, recordingId };
}

/** The recording an egress was started for, from the path it was asked to write. */
export function recordingOfEgress(egress: EgressSnapshot): RecordingRef | undefined {
  const path = [egress.requestedFilepath, egress.file?.filename, egress.file?.location].find(
    (candidate) => candidate !== undefined && candidate !== '',
  );
  const ref = path === undefined ? undefined : recordingOfPath(path);
  return ref !== undefined && ref.roomKey === egress.roomName ? ref : undefined;
}
