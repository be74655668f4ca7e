import type { RecordingPreset } from '../../../common/recording/recording-options.js';
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
      <DefaultOrChoice
        label="Layout"
        name="layout"
        value={choice.layout}
        options={OFFERED_LAYOUTS}
        labelOf={(layout) => LAYOUT_LABELS[layout]}
        disabled={choice.audioOnly}
        onSelect={(layout) => onChange({ ...choice, layout })}
      />
      {presets.length > 0 && (
        <DefaultOrChoice
          label="Quality"
          name="preset"
          value={choice.preset}
          options={presets}
          labelOf={(preset) => preset}
          disabled={choice.audioOnly}
          onSelect={(preset) => onChange({ ...choice, preset })}
        />
      )}
    </fieldset>
  );
}

/** A labelled select whose first option, "Default" (''), leaves the choice to the controller. */
function DefaultOrChoice<T extends string>({
  label,
  name,
  value,
  options,
  labelOf,
  disabled,
  onSelect,
}: {
  label: string;
  name: string;
  value: string;
  options: readonly T[];
  labelOf: (option: T) => string;
  disabled: boolean;
  onSelect: (value: T | '') => void;
}) {
  return (
    <label>
      {label}
      <select
        name={name}
        value={value}
        disabled={disabled}
        onChange={(event) => onSelect(event.target.value as T | '')}
      >
        <option value="">Default</option>
        {options.map((option) => (
          <option key={option} value={option}>
            {labelOf(option)}
          </option>
        ))}
      </select>
    </label>
  );
}
