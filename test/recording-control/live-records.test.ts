import { randomBytes } from 'node:crypto';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { type Database, getDatabase } from 'firebase-admin/database';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordingRef } from '../../common/recording/recording-ref.js';
import { RecordingStore } from '../../controller/records/recording-store.js';
import { RecordingStack } from '../support/recording-stack.js';

let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start();
});

afterAll(async () => {
  await stack?.stop();
});

/** An Admin SDK app of its own, as a controller (or an operator) holds one. */
function adminDatabase() {
  const app = initializeApp(
    { databaseURL: stack.databaseUrl, projectId: 'demo-admin' },
    `admin-${randomBytes(4).toString('hex')}`,
  );
  return { db: getDatabase(app), close: () => deleteApp(app) };
}

/** Two records written in `requested` and moved to `starting` by `store`. */
async function startingRecords(store: RecordingStore, db: Database) {
  const refs = Array.from({ length: 2 }, () => ({
    roomKey: RecordingStack.room().roomKey,
    recordingId: `-${randomBytes(14).toString('base64url').slice(0, 19)}`,
  }));
  for (const ref of refs) {
    await db.ref(`recordings/${ref.roomKey}/${ref.recordingId}`).set({
      roomUrl: 'https://app.example.com/room/live',
      requestedBy: 'alice',
      requestedAt: Date.now(),
      status: 'requested',
    });
    await store.transition(ref, 'starting');
  }
  return refs as [RecordingRef, RecordingRef];
}

/**
 * A store on an Admin SDK app of its own (as a controller holds one), two records it moved to
 * `starting`, and a second app as another writer; all let go of afterwards.
 */
async function withLiveRecords(
  run: (
    store: RecordingStore,
    records: [RecordingRef, RecordingRef],
    sides: { controller: Database; other: Database },
  ) => Promise<void>,
) {
  const controller = adminDatabase();
  const other = adminDatabase();
  const store = new RecordingStore(controller.db, pino({ level: 'silent' }), 'live-test');
  try {
    const records = await startingRecords(store, controller.db);
    await run(store, records, { controller: controller.db, other: other.db });
  } finally {
    store.close();
    await Promise.all([controller.close(), other.close()]);
  }
}

describe("the store's listeners on live records", () => {
  it('holds one for each live recording it moved, and lets go once the recording is final', async () => {
    await withLiveRecords(async (store, [first, second]) => {
      expect(store.liveRecords).toBe(2);
      await store.transition(first, 'canceled');
      expect(store.liveRecords).toBe(1);
      // Read while held: answered from the listener's cache, and as current as the server.
      expect((await store.read(second))?.status).toBe('starting');
      store.close();
      expect(store.liveRecords).toBe(0);
    });
  });

  it('lets go when another writer ends the recording or removes it', async () => {
    await withLiveRecords(async (store, [ended, removed], { other }) => {
      expect(store.liveRecords).toBe(2);
      await other.ref(`recordings/${ended.roomKey}/${ended.recordingId}/status`).set('failed');
      await other.ref(`recordings/${removed.roomKey}/${removed.recordingId}`).remove();
      await expect.poll(() => store.liveRecords).toBe(0);
      // Nothing held any more, so a read goes to the server and sees the other writer's change.
      expect((await store.read(ended))?.status).toBe('failed');
    });
  });

  it('answers a read of a held record from what its listener delivered: offline too, and current', async () => {
    await withLiveRecords(async (store, [held], { controller, other }) => {
      controller.goOffline();
      const read = await store.read(held);
      expect(read).toMatchObject({ status: 'starting', requestedBy: 'alice' });
      // One parsed record is shared by every read until the next change: no reader may alter it.
      expect(Object.isFrozen(read)).toBe(true);
      controller.goOnline();
      await other.ref(`recordings/${held.roomKey}/${held.recordingId}/status`).set('recording');
      await expect.poll(async () => (await store.read(held))?.status).toBe('recording');
    });
  });

  it('lets go of a held record another writer makes unreadable, and reads it as absent', async () => {
    await withLiveRecords(async (store, [spoiled], { other }) => {
      await other.ref(`recordings/${spoiled.roomKey}/${spoiled.recordingId}/requestedBy`).set(42);
      await expect.poll(() => store.liveRecords).toBe(1);
      expect(await store.read(spoiled)).toBe(undefined);
    });
  });

  it('reads fresh from the server while it holds a record: what another writer just wrote', async () => {
    await withLiveRecords(async (store, [held], { other }) => {
      await other.ref(`recordings/${held.roomKey}/${held.recordingId}/status`).set('recording');
      // The server applied it before answering the writer, so a read from the server sees it.
      expect((await store.readFresh(held))?.status).toBe('recording');
      expect(store.liveRecords).toBe(2);
      expect(
        await store.readFresh({ ...held, recordingId: `${held.recordingId.slice(0, 19)}x` }),
      ).toBe(undefined);
    });
  });
});
