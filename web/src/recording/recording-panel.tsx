import type { Database } from 'firebase/database';
import { useEffect, useState } from 'react';
import type { ActiveRecordingAsRead } from '../../../common/recording/read-recording-record.js';
import type { RecordingPreset } from '../../../common/recording/recording-options.js';
import { STOPPABLE } from '../../../common/recording/recording-status.js';
import { ConsentNotice } from './consent-notice.js';
import {
  acknowledgeRecording,
  requestRecordingDelete,
  requestRecordingStart,
  requestRecordingStop,
} from './recording-commands-client.js';
import { RecordingListItem } from './recording-list-item.js';
import {
  DEFAULT_CHOICE,
  deleteFailureSentence,
  mayDeleteRecording,
  type RecordingChoice,
  recordingInProgress,
  recordingOptionsOf,
} from './recording-management.js';
import { RecordingOptionsControls } from './recording-options-controls.js';
import { elapsedMs, formatElapsed, recordingLabel, statusLabel } from './recording-presentation.js';
import { useRoomRecordings } from './use-room-recordings.js';
import { useServerClock } from './use-server-clock.js';

/** The indicator's words while the room is held (the lock exists from starting to stopping). */
const INDICATOR_LABELS: Partial<Record<ActiveRecordingAsRead['status'], string>> = {
  starting: 'Recording is starting',
  recording: 'Recording',
  stopping: 'Recording is stopping',
  // A newer controller's status: the lock still exists only while a recording holds the room.
  unknown: 'Recording',
};

/** How long a sent delete command may go unanswered before the page says so. */
const DELETE_ANSWER_MS = 30_000;

/** A delete this page asked for: sending, sent (waiting for the record to go), or refused. */
interface Deletion {
  readonly busy: boolean;
  readonly error?: string;
}

/**
 * Record/Stop, the live recording indicator, the consent notice and the room's recordings, all
 * from the database, so every participant sees the same thing at the same time.
 */
export function RecordingPanel({
  db,
  roomUrl,
  roomKey,
  uid,
  nameOf,
  isRecordingAdmin,
  presets,
}: {
  db: Database;
  roomUrl: string;
  roomKey: string;
  uid: string;
  nameOf: (uid: string) => string;
  isRecordingAdmin: boolean;
  presets: readonly RecordingPreset[];
}) {
  const { recordings, active, error: readError } = useRoomRecordings(db, roomKey);
  const [busy, setBusy] = useState(false);
  const [commandError, setCommandError] = useState<string>();
  const [choice, setChoice] = useState<RecordingChoice>(DEFAULT_CHOICE);
  const [deletions, setDeletions] = useState<Readonly<Record<string, Deletion>>>({});
  const [deleteNote, setDeleteNote] = useState('');

  // A sent delete is answered by the record leaving the list (for everyone), or by silence.
  useEffect(() => {
    const waiting = Object.entries(deletions).filter(([, deletion]) => deletion.busy);
    const gone = waiting.filter(([id]) => !recordings.some((item) => item.recordingId === id));
    if (gone.length > 0) {
      setDeletions((current) => {
        const next = { ...current };
        for (const [id] of gone) delete next[id];
        return next;
      });
      setDeleteNote('Recording deleted.');
    }
  }, [deletions, recordings]);

  async function deleteRecording(recordingId: string) {
    const settle = (deletion: Deletion | undefined) =>
      setDeletions((current) => {
        const { [recordingId]: _previous, ...rest } = current;
        return deletion === undefined ? rest : { ...rest, [recordingId]: deletion };
      });
    settle({ busy: true });
    setDeleteNote('Deleting the recording…');
    try {
      await requestRecordingDelete(db, roomUrl, recordingId, uid);
    } catch (error) {
      const sentence = deleteFailureSentence(error as Error);
      settle({ busy: false, error: sentence });
      setDeleteNote(sentence);
      return;
    }
    // The controller refuses silently (its log and metrics say why): say so if nothing happens.
    setTimeout(
      () =>
        setDeletions((current) =>
          current[recordingId]?.busy === true
            ? {
                ...current,
                [recordingId]: {
                  busy: false,
                  error:
                    'The server has not deleted this recording. It may have refused; ask the operator to check its log.',
                },
              }
            : current,
        ),
      DELETE_ANSWER_MS,
    );
  }
  const activeRecording =
    active === null
      ? undefined
      : recordings.find((item) => item.recordingId === active.recordingId);
  // Ticks while a recording runs or a pending start may yet expire, so Record comes back on time.
  const now = useServerClock(db, (at) => recordingInProgress(recordings, at) !== undefined);
  const pending = recordingInProgress(recordings, now);

  async function run(action: () => Promise<unknown>, failure: string) {
    setBusy(true);
    setCommandError(undefined);
    try {
      await action();
    } catch (error) {
      setCommandError(`${failure}: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  }

  const stoppable =
    pending !== undefined &&
    pending.record.status !== 'unknown' &&
    STOPPABLE.has(pending.record.status) &&
    pending.record.stopRequestedBy === undefined;
  const activeRecord = activeRecording?.record;
  // The rules take a receipt in the same statuses a stop is taken in (before stopping).
  const needsNotice =
    activeRecording !== undefined &&
    activeRecord !== undefined &&
    activeRecord.status !== 'unknown' &&
    STOPPABLE.has(activeRecord.status) &&
    activeRecord.requestedBy !== uid &&
    activeRecord.consents?.[uid] === undefined;
  const newest = recordings[0];
  // Announced on change only: the elapsed clocks stay out of the live region.
  const announcement =
    newest === undefined
      ? ''
      : `Latest recording: ${recordingLabel(newest.record, now)}${
          active === null ? '' : `. This room is being recorded.`
        }`;
  const activeElapsed = activeRecord === undefined ? undefined : elapsedMs(activeRecord, now);

  return (
    <section className="recording-panel" aria-labelledby="recordings-title">
      {active !== null && (
        <p className="recording-indicator" data-status={active.status}>
          <span className="dot" aria-hidden="true" />
          <span>
            {INDICATOR_LABELS[active.status] ?? statusLabel(active.status)}
            {activeRecord === undefined ? '' : `, started by ${nameOf(activeRecord.requestedBy)}`}
          </span>
          {activeElapsed !== undefined && (
            <span className="elapsed">{formatElapsed(activeElapsed)}</span>
          )}
        </p>
      )}
      <p className="visually-hidden" aria-live="polite">
        {[announcement, deleteNote].filter((part) => part !== '').join(' ')}
      </p>
      {needsNotice && activeRecording !== undefined && (
        <ConsentNotice
          startedBy={nameOf(activeRecording.record.requestedBy)}
          busy={busy}
          error={commandError}
          onAcknowledge={() =>
            void run(
              () => acknowledgeRecording(db, roomUrl, activeRecording.recordingId, uid),
              'Could not save your acknowledgement',
            )
          }
        />
      )}
      <div className="actions">
        {!stoppable && (
          <RecordingOptionsControls
            choice={choice}
            presets={presets}
            disabled={busy || pending !== undefined}
            onChange={setChoice}
          />
        )}
        {stoppable ? (
          <button
            type="button"
            className="stop"
            disabled={busy}
            onClick={() =>
              void run(
                () => requestRecordingStop(db, roomUrl, pending.recordingId, uid),
                'Could not stop the recording',
              )
            }
          >
            Stop recording
          </button>
        ) : (
          <button
            type="button"
            className="record"
            disabled={busy || pending !== undefined}
            onClick={() =>
              void run(
                () => requestRecordingStart(db, roomUrl, uid, recordingOptionsOf(choice)),
                'Could not start a recording',
              )
            }
          >
            Record
          </button>
        )}
      </div>
      {!needsNotice && commandError !== undefined && (
        <p className="error" role="alert">
          {commandError}
        </p>
      )}
      {readError !== undefined && (
        <p className="error" role="alert">
          {readError}
        </p>
      )}
      <h2 id="recordings-title">Recordings</h2>
      {recordings.length === 0 ? (
        <p className="empty">No recordings in this room yet.</p>
      ) : (
        <ol className="recordings">
          {recordings.map((item) => (
            <RecordingListItem
              key={item.recordingId}
              recordingId={item.recordingId}
              record={item.record}
              now={now}
              nameOf={nameOf}
              {...(mayDeleteRecording(item.record, uid, isRecordingAdmin)
                ? {
                    deletion: {
                      ...(deletions[item.recordingId] ?? { busy: false }),
                      onDelete: () => void deleteRecording(item.recordingId),
                    },
                  }
                : {})}
            />
          ))}
        </ol>
      )}
    </section>
  );
}
