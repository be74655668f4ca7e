import type { RecordAsRead } from '../../../common/recording/read-recording-record.js';
import { START_REQUEST_TIMEOUT_MS } from '../../../common/recording/recording-deadlines.js';
import type {
  RecordingLayout,
  RecordingOptions,
  RecordingPreset,
} from '../../../common/recording/recording-options.js';
import { HOLDS_ROOM, isFinalStatus } from '../../../common/recording/recording-status.js';

/**
 * Whether a start no controller took up is over: `requested` for START_REQUEST_TIMEOUT_MS by the
 * server's clock (`requestedAt` is a server timestamp, `serverNow` this device's estimate of the
 * server's time). The controller fails it `request_expired` once it sees it.
 */
export function startRequestExpired(
  record: Pick<RecordAsRead, 'status' | 'requestedAt'>,
  serverNow: number,
): boolean {
  return (
    record.status === 'requested' && serverNow - record.requestedAt >= START_REQUEST_TIMEOUT_MS
  );
}

/**
 * The recording that keeps the room from a new one (the first of `recordings`, newest first):
 * one that holds the room (starting to stopping), or a start a controller may still take up (it
 * holds no lock yet, but a second Record would fail `already_recording`). A start past its
 * deadline holds nothing: no controller took it up, and the one that does will fail it. Nor does
 * a status this build does not know: a newer controller refuses a second start itself, which is
 * better than a Record button that never comes back.
 */
export function recordingInProgress<T extends { readonly record: RecordAsRead }>(
  recordings: readonly T[],
  serverNow: number,
): T | undefined {
  return recordings.find(({ record }) =>
    record.status === 'requested'
      ? !startRequestExpired(record, serverNow)
      : record.status !== 'unknown' && HOLDS_ROOM.has(record.status),
  );
}

/**
 * Whether the Delete action is offered: the rules take a delete command only for a final
 * recording, from its requester or a user with the `recordingAdmin` claim (docs/operations.md).
 * A status this build does not know is not one of the rules' final statuses either.
 */
export function mayDeleteRecording(
  record: Pick<RecordAsRead, 'status' | 'requestedBy'>,
  uid: string,
  isRecordingAdmin: boolean,
): boolean {
  return (
    record.status !== 'unknown' &&
    isFinalStatus(record.status) &&
    (record.requestedBy === uid || isRecordingAdmin)
  );
}

/** The sentence for a delete command the database refused (the rules) or could not take. */
export function deleteFailureSentence(error: Error): string {
  return /permission[_ ]denied/i.test(error.message)
    ? 'You cannot delete this recording: only the person who started it (or a recording administrator) can, once it has finished.'
    : `Could not delete the recording: ${error.message}`;
}

/** The layouts the Record controls offer (each also exists as `-light`, not offered). */
export const OFFERED_LAYOUTS = [
  'grid',
  'speaker',
  'single-speaker',
] as const satisfies readonly RecordingLayout[];

/** What the participant picked beside Record; an empty layout or preset means the server's default. */
export interface RecordingChoice {
  readonly audioOnly: boolean;
  readonly layout: RecordingLayout | '';
  readonly preset: RecordingPreset | '';
}

export const DEFAULT_CHOICE: RecordingChoice = { audioOnly: false, layout: '', preset: '' };

/**
 * The start command's options: audio-only alone (the controller refuses it with a layout or
 * preset, `audio_only_conflict`), otherwise only what differs from the server's default.
 */
export function recordingOptionsOf(choice: RecordingChoice): RecordingOptions {
  if (choice.audioOnly) return { audioOnly: true };
  return {
    ...(choice.layout === '' ? {} : { layout: choice.layout }),
    ...(choice.preset === '' ? {} : { preset: choice.preset }),
  };
}
