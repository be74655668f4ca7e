/**
 * What a start request may choose per recording (issue 15), shared by the SPA, the controller
 * and the rules tests. `database.rules.json` spells the same sets as patterns.
 */

/** Egress's default-template layouts; `-light` selects the light style. */
export const RECORDING_LAYOUTS = [
  'grid',
  'grid-light',
  'speaker',
  'speaker-light',
  'single-speaker',
  'single-speaker-light',
] as const;

export type RecordingLayout = (typeof RECORDING_LAYOUTS)[number];

/** LiveKit's encoding presets for a room composite (PASSTHROUGH needs the v2 media source). */
export const RECORDING_PRESETS = [
  'H264_720P_30',
  'H264_720P_60',
  'H264_1080P_30',
  'H264_1080P_60',
  'PORTRAIT_H264_720P_30',
  'PORTRAIT_H264_720P_60',
  'PORTRAIT_H264_1080P_30',
  'PORTRAIT_H264_1080P_60',
] as const;

export type RecordingPreset = (typeof RECORDING_PRESETS)[number];

/**
 * A recording's choices, stored on its record at creation. Audio-only takes neither a layout
 * nor a video preset: it is the egress path that needs no Chrome (docs/operations.md, "Audio-only,
 * layout and quality per recording").
 */
export interface RecordingOptions {
  readonly audioOnly?: boolean;
  readonly layout?: RecordingLayout;
  readonly preset?: RecordingPreset;
}

/** The custom claim that lets a user delete recordings others requested (rules and HTTP). */
export const RECORDING_ADMIN_CLAIM = 'recordingAdmin';
