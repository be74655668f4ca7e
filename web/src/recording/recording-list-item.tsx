import type { RecordAsRead } from '../../../common/recording/read-recording-record.js';
import { DeleteRecordingControl } from './delete-recording-control.js';
import { startRequestExpired } from './recording-management.js';
import {
  elapsedMs,
  errorSentence,
  formatBytes,
  formatElapsed,
  recordingLabel,
} from './recording-presentation.js';

/** One recording: status, who, how long, upload progress, size, link, error, receipts. */
export function RecordingListItem({
  recordingId,
  record,
  now,
  nameOf,
  deletion,
}: {
  recordingId: string;
  record: RecordAsRead;
  /** The server's time, as this device estimates it. */
  now: number;
  nameOf: (uid: string) => string;
  /** Present when this user may delete the recording. */
  deletion?: { readonly busy: boolean; readonly error?: string; readonly onDelete: () => void };
}) {
  const elapsed = elapsedMs(record, now);
  const consents = Object.keys(record.consents ?? {});
  const labelId = `recording-${recordingId}`;
  const headId = `${labelId}-head`;
  const layout = typeof record.layout === 'string' ? record.layout : undefined;
  const notStarted = startRequestExpired(record, now);
  return (
    <li className="recording" data-recording-id={recordingId} data-status={record.status}>
      <p className="recording-head" id={headId}>
        <span
          id={labelId}
          className={`status status-${notStarted ? 'not-started' : record.status}`}
        >
          {recordingLabel(record, now)}
        </span>
        <span className="requested-at">
          {new Date(record.requestedAt).toLocaleString()} by {nameOf(record.requestedBy)}
        </span>
      </p>
      <dl className="facts">
        {(record.audioOnly === true || layout !== undefined) && (
          <>
            <dt>Kind</dt>
            <dd className="kind">
              {record.audioOnly === true ? 'Audio only' : `Layout ${layout}`}
            </dd>
          </>
        )}
        {elapsed !== undefined && (
          <>
            <dt>Length</dt>
            <dd className="elapsed">{formatElapsed(elapsed)}</dd>
          </>
        )}
        {record.sizeBytes !== undefined && (
          <>
            <dt>Size</dt>
            <dd className="size">{formatBytes(record.sizeBytes)}</dd>
          </>
        )}
        {consents.length > 0 && (
          <>
            <dt>Acknowledged by</dt>
            <dd className="consents">{consents.map(nameOf).join(', ')}</dd>
          </>
        )}
      </dl>
      {record.status === 'uploading' && record.progress !== undefined && (
        <p className="upload">
          <progress
            aria-labelledby={labelId}
            value={record.progress.bytes}
            max={Math.max(record.progress.total, 1)}
          />
          <span>
            {formatBytes(record.progress.bytes)} of {formatBytes(record.progress.total)}
          </span>
        </p>
      )}
      {record.status === 'uploaded' && record.downloadUrl !== undefined && (
        <p>
          <a className="download" href={record.downloadUrl} download={`${recordingId}.mp4`}>
            Download recording
            {record.sizeBytes === undefined ? '' : ` (${formatBytes(record.sizeBytes)})`}
          </a>
        </p>
      )}
      {notStarted && (
        <p className="recording-note">
          The recorder did not respond, so this recording did not start. Press Record to try again.
        </p>
      )}
      {record.status === 'unknown' && (
        <p className="recording-note">
          This page is older than the server and does not know the status “{record.writtenStatus}”.
          Reload the page to see it.
        </p>
      )}
      {record.error !== undefined && (
        <p className="error recording-error" data-error-code={record.error.code}>
          {errorSentence(record.error)} <span className="detail">({record.error.message})</span>
        </p>
      )}
      {deletion !== undefined && (
        <div className="recording-actions">
          <DeleteRecordingControl
            describedBy={headId}
            busy={deletion.busy}
            onDelete={deletion.onDelete}
          />
          {deletion.error !== undefined && (
            <p className="error delete-error" role="alert">
              {deletion.error}
            </p>
          )}
        </div>
      )}
    </li>
  );
}
