import type { DataSnapshot, Reference } from 'firebase-admin/database';

/**
 * A one-shot read of `ref` from the server that cannot roll back this process's listeners.
 *
 * `get()` writes its answer into the SDK's cache when the answer is handled, a microtask after
 * it arrives. When a newer value for a listened path came in the same network read, that value
 * is applied first, then the older answer replaces it: the listener goes backward and every
 * transaction there ends in `maxretry`, as each attempt hashes the stale value, until the data
 * changes again (test/controller/firebase/read-once.test.ts shows both). A filtered query's
 * answer goes only to the query's own view, so the key read through its parent is safe. It also
 * asks the server while a listener caches the path, where `get()` answers from that cache: no
 * listener holds a parent of what the controller reads, so the query has no cached view.
 */
export async function readOnce(ref: Reference): Promise<DataSnapshot> {
  const { parent, key } = ref;
  if (parent === null || key === null) throw new Error('readOnce reads a child, not the root');
  const snapshot = await parent.orderByKey().equalTo(key).get();
  return snapshot.child(key);
}
