/** Names one recording: its record lives at `recordings/<roomKey>/<recordingId>`. */
export interface RecordingRef {
  readonly roomKey: string;
  readonly recordingId: string;
}
