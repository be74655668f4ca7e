import { z } from 'zod';
import {
  RECORDING_LAYOUTS,
  RECORDING_PRESETS,
  type RecordingLayout,
  type RecordingPreset,
} from '../../common/recording/recording-options.js';

/** The choices as they arrive (a record's fields, an HTTP body): bounded, each optional. */
export const recordingOptionsSchema = z.object({
  audioOnly: z.boolean().optional(),
  layout: z.enum(RECORDING_LAYOUTS).optional(),
  preset: z.enum(RECORDING_PRESETS).optional(),
});

export type RequestedOptions = z.infer<typeof recordingOptionsSchema>;

/** What the egress is asked for, defaults applied. */
export type EgressChoice =
  | { readonly audioOnly: true }
  | {
      readonly audioOnly: false;
      readonly layout: RecordingLayout;
      readonly preset: RecordingPreset;
    };

export interface OptionDefaults {
  readonly layout: RecordingLayout;
  readonly preset: RecordingPreset;
  readonly allowedPresets: readonly RecordingPreset[];
  /** False: audio only; a request that names any video choice is refused. */
  readonly video: boolean;
}

export type OptionsCheck =
  | { readonly ok: true; readonly choice: EgressChoice }
  | {
      readonly ok: false;
      readonly code:
        | 'invalid_options'
        | 'preset_not_allowed'
        | 'audio_only_conflict'
        | 'video_not_supported';
      readonly message: string;
    };

/**
 * Pure: what a recording's choices ask of egress, or why they cannot be honoured. Audio-only
 * takes no layout and no video preset, so that egress records it without Chrome (an audio
 * room composite with no layout goes through its SDK source); a preset must be allowed by
 * RECORDING_ALLOWED_PRESETS, because a bigger one can overload a small machine.
 */
export function checkRecordingOptions(raw: unknown, defaults: OptionDefaults): OptionsCheck {
  const parsed = recordingOptionsSchema.safeParse(raw);
  if (!parsed.success) {
    const message = parsed.error.issues
      .map((issue) => `${issue.path.join('.')}: ${issue.message}`)
      .join('; ');
    return { ok: false, code: 'invalid_options', message };
  }
  const { audioOnly, layout, preset } = parsed.data;
  if (audioOnly === true) {
    if (layout !== undefined || preset !== undefined) {
      return {
        ok: false,
        code: 'audio_only_conflict',
        message: 'An audio-only recording takes neither a layout nor a video preset',
      };
    }
    return { ok: true, choice: { audioOnly: true } };
  }
  if (!defaults.video) {
    // A machine that cannot carry a video composite: the default is audio, asking for video fails
    // at once instead of an egress that falls behind or is killed mid-recording.
    if (audioOnly === false || layout !== undefined || preset !== undefined) {
      return {
        ok: false,
        code: 'video_not_supported',
        message: 'This server records audio only; start an audio-only recording',
      };
    }
    return { ok: true, choice: { audioOnly: true } };
  }
  if (preset !== undefined && !defaults.allowedPresets.includes(preset)) {
    return {
      ok: false,
      code: 'preset_not_allowed',
      message: `Preset ${preset} is not allowed here; allowed: ${defaults.allowedPresets.join(', ')}`,
    };
  }
  return {
    ok: true,
    choice: {
      audioOnly: false,
      layout: layout ?? defaults.layout,
      preset: preset ?? defaults.preset,
    },
  };
}

/** The choice fields of a stored record (other fields ignored). */
export function optionsOfRecord(record: Readonly<Record<string, unknown>>): unknown {
  const { audioOnly, layout, preset } = record;
  return Object.fromEntries(
    Object.entries({ audioOnly, layout, preset }).filter(([, value]) => value !== undefined),
  );
}
