import { useEffect, useRef, useState } from 'react';

/**
 * Delete in two steps: the first button asks, the second deletes. Focus moves to the question
 * (so keyboard and screen-reader users meet it), Escape or Cancel takes it back.
 */
export function DeleteRecordingControl({
  describedBy,
  busy,
  onDelete,
}: {
  /** The id of the element that names the recording (its status and date). */
  describedBy: string;
  busy: boolean;
  onDelete: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const askButton = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
    else if (wasConfirming.current) askButton.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  if (!confirming) {
    return (
      <button
        ref={askButton}
        type="button"
        className="secondary delete"
        aria-describedby={describedBy}
        disabled={busy}
        onClick={() => setConfirming(true)}
      >
        Delete
      </button>
    );
  }
  const questionId = `${describedBy}-delete-question`;
  return (
    <div
      className="delete-confirm"
      role="alertdialog"
      aria-labelledby={questionId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') setConfirming(false);
      }}
    >
      <p id={questionId}>Delete this recording for everyone? This cannot be undone.</p>
      <button
        ref={confirmButton}
        type="button"
        className="danger"
        disabled={busy}
        onClick={() => {
          setConfirming(false);
          onDelete();
        }}
      >
        Delete recording
      </button>
      <button type="button" className="secondary" onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </div>
  );
}
