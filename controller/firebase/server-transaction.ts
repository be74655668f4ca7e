import type { Reference } from 'firebase-admin/database';

export type TransactionResult = Awaited<ReturnType<Reference['transaction']>>;

/**
 * A transaction whose attempts are not applied locally. The SDK runs the first attempt on its
 * cache (often empty: null) and, by default, raises that guess as an event to this process's
 * own listeners; a record would seem to vanish and reappear. Only the committed value counts.
 */
export function serverTransaction(
  ref: Reference,
  update: (current: unknown) => unknown,
): Promise<TransactionResult> {
  return ref.transaction(update, undefined, false);
}
