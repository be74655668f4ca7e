import { useEffect, useRef } from 'react';

/**
 * The notice every participant sees while the room is recorded (also one who joins later).
 * Acknowledging writes their consent receipt; leaving is the other honest choice.
 */
export function ConsentNotice({
  startedBy,
  busy,
  error,
  onAcknowledge,
}: {
  startedBy: string;
  busy: boolean;
  error: string | undefined;
  onAcknowledge: () => void;
}) {
  const button = useRef<HTMLButtonElement>(null);
  // Move focus to the notice so keyboard and screen-reader users meet it first.
  useEffect(() => button.current?.focus(), []);
  return (
    <section
      className="consent-notice"
      role="alertdialog"
      aria-labelledby="consent-title"
      aria-describedby="consent-text"
    >
      <h2 id="consent-title">This room is being recorded</h2>
      <p id="consent-text">
        Recording was started by {startedBy}. Everything you say and show is recorded, and the
        recording will be available to everyone in this room. If you do not agree, leave the room.
      </p>
      <button ref={button} type="button" onClick={onAcknowledge} disabled={busy}>
        I understand
      </button>
      {error !== undefined && <p className="error">{error}</p>}
    </section>
  );
}
