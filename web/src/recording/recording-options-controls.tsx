import type { RecordingLayout, RecordingPreset } from '../../../common/recording-options.js';
import { OFFERED_LAYOUTS, type RecordingChoice } from './recording-management.js';

const LAYOUT_LABELS: Readonly<Record<(typeof OFFERED_LAYOUTS)[number], string>> = {
  grid: 'Grid',
  speaker: 'Speaker',
  'single-speaker': 'Single speaker',
};

/**
 * The choices beside Record: audio only, layout, and a quality preset when the page's
 * configuration lists some. Audio only disables the layout (the controller refuses both).
 */
export function RecordingOptionsControls({
  choice,
  presets,
  disabled,
  onChange,
}: {
  choice: RecordingChoice;
  presets: readonly RecordingPreset[];
  disabled: boolean;
  onChange: (choice: RecordingChoice) => void;
}) {
  return (
    <fieldset className="recording-options" disabled={disabled}>
      <legend>Recording options</legend>
      <label className="checkbox">
        <input
          type="checkbox"
          name="audioOnly"
          checked={choice.audioOnly}
          onChange={(event) => onChange({ ...choice, audioOnly: event.target.checked })}
        />
        Audio only
      </label>
      <label>
        Layout
        <select
          name="layout"
          value={choice.layout}
          disabled={choice.audioOnly}
          onChange={(event) =>
            onChange({ ...choice, layout: event.target.value as RecordingLayout | '' })
          }
        >
          <option value="">Default</option>
          {OFFERED_LAYOUTS.map((layout) => (
            <option key={layout} value={layout}>
              {LAYOUT_LABELS[layout]}
            </option>
          ))}
        </select>
      </label>
      {presets.length > 0 && (
        <label>
          Quality
          <select
            name="preset"
            value={choice.preset}
            disabled={choice.audioOnly}
            onChange={(event) =>
              onChange({ ...choice, preset: event.target.value as RecordingPreset | '' })
            }
          >
            <option value="">Default</option>
            {presets.map((preset) => (
              <option key={preset} value={preset}>
                {preset}
              </option>
            ))}
          </select>
        </label>
      )}
    </fieldset>
  );
}
