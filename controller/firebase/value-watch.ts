import type { DataSnapshot, Reference } from 'firebase-admin/database';

/**
 * A `value` listener held on one reference while a piece of work runs. Its first event is a read
 * of the server's value, and while it is held the SDK keeps that value current in its cache, so
 * a transaction's first attempt starts from it: without a listener the cache is empty, the first
 * attempt guesses null, and the server answers `datastale` (a second round trip).
 */
export class ValueWatch {
  private readonly first: Promise<unknown>;
  private latest: unknown = null;
  private readonly onValue: (snapshot: DataSnapshot) => void;

  constructor(readonly ref: Reference) {
    let resolveFirst: (value: unknown) => void = () => {};
    let rejectFirst: (error: Error) => void = () => {};
    this.first = new Promise((resolve, reject) => {
      resolveFirst = resolve;
      rejectFirst = reject;
    });
    // Awaited only by those who need the value; a watch closed unread must not raise an alarm.
    this.first.catch(() => {});
    this.onValue = (snapshot) => {
      this.latest = snapshot.val();
      resolveFirst(this.latest);
    };
    ref.on('value', this.onValue, rejectFirst);
  }

  /**
   * The value as of the last event (null: nothing there). The server answers one connection in
   * order, so after any later request's answer this is the value as of that request.
   */
  async current(): Promise<unknown> {
    await this.first;
    return this.latest;
  }

  close(): void {
    this.ref.off('value', this.onValue);
  }
}
