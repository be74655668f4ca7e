import { randomBytes } from 'node:crypto';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getDatabase } from 'firebase-admin/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { RecordingStack } from '../support/recording-stack.js';

let stack: RecordingStack;

beforeAll(async () => {
  stack = await RecordingStack.start();
});

afterAll(async () => {
  await stack?.stop();
});

const isFinal = (record: Record<string, unknown>) =>
  ['processing', 'failed', 'canceled'].includes(String(record.status));

/** The database as an operator (or a buggy client with admin rights) sees it: rules bypassed. */
function adminDatabase() {
  const app = initializeApp(
    { databaseURL: stack.databaseUrl, projectId: 'demo-admin' },
    `admin-${randomBytes(4).toString('hex')}`,
  );
  return { db: getDatabase(app), close: () => deleteApp(app) };
}

describe('the command inbox', () => {
  it('processes commands written while no controller was running, once one starts', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    const recordingId = await alice.start(roomUrl);
    await alice.stop(roomUrl, recordingId);
    const controller = await stack.startController();
    const canceled = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal);
    expect(canceled.status).toBe('canceled');
    await controller.stop();
  });

  it('lets two controllers on one database act on 50 commands exactly once', async () => {
    const alice = await stack.participant();
    const rooms = Array.from({ length: 25 }, () => RecordingStack.room());
    const recordings: { roomKey: string; recordingId: string }[] = [];
    // Queued before any controller runs: the rules refuse a stop once its record is over, so a
    // fast controller must not fail the record first; and both controllers race for all 50.
    for (const { roomUrl, roomKey } of rooms) {
      const recordingId = await alice.start(roomUrl);
      await alice.stop(roomUrl, recordingId);
      recordings.push({ roomKey, recordingId });
    }
    const first = await stack.startController();
    const second = await stack.startController();
    for (const { roomKey, recordingId } of recordings) {
      const final = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal);
      expect(['failed', 'canceled']).toContain(final.status);
    }
    // Both controllers see every entry; the record's own transition is the claim, so each
    // recording moved to its final status once, by one of them.
    const entries = [...first.log.entries(), ...second.log.entries()];
    const taken = entries.filter((entry) => entry.msg === 'command taken');
    expect(new Set(taken.map((entry) => entry.commandId)).size).toBe(50);
    const ended = entries.filter(
      (entry) => entry.msg === 'recording canceled' || entry.msg === 'recording failed',
    );
    expect(ended.map((entry) => entry.recordingId).sort()).toEqual(
      recordings.map((recording) => recording.recordingId).sort(),
    );
    const admin = adminDatabase();
    expect((await admin.db.ref('recordingQueue').get()).exists()).toBe(false);
    await admin.close();
    await first.stop();
    await second.stop();
  });

  it.each([
    ['an unknown action', { action: 'pause' }],
    ['a wrong type', { at: 'yesterday' }],
    ['a by that is not the requester', { by: 'mallory' }],
    ['a huge string', { by: 'x'.repeat(50_000) }],
    ['an extra field', { admin: true }],
  ])('fails the record with invalid_command for %s, and keeps going', async (_name, change) => {
    const controller = await stack.startController();
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    const admin = adminDatabase();
    const recordingId = randomBytes(15).toString('base64url');
    const base = { action: 'start', roomKey, recordingId, by: alice.uid, at: Date.now() };
    await admin.db.ref().update({
      [`recordings/${roomKey}/${recordingId}`]: {
        roomUrl,
        requestedBy: alice.uid,
        requestedAt: Date.now(),
        status: 'requested',
      },
      [`recordingQueue/${recordingId}_start`]: { ...base, ...change },
    });
    const failed = await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('failed'));
    expect(failed.error).toMatchObject({ code: 'invalid_command', message: expect.any(String) });
    // The inbox is not blocked: a good command right after is processed.
    const next = await alice.start(roomUrl);
    await stack.waitForRecord(alice.db, roomKey, next, hasStatus('failed'));
    await admin.close();
    await controller.stop();
  });

  it('deletes a command whose record does not exist, without failing anything', async () => {
    const controller = await stack.startController();
    const admin = adminDatabase();
    const { roomKey } = RecordingStack.room();
    const recordingId = randomBytes(15).toString('base64url');
    const path = `recordingQueue/${recordingId}_start`;
    await admin.db
      .ref(path)
      .set({ action: 'start', roomKey, recordingId, by: 'ghost', at: Date.now() });
    await new Promise<void>((resolve) => {
      admin.db.ref(path).on('value', (snapshot) => {
        if (!snapshot.exists()) resolve();
      });
    });
    expect((await admin.db.ref(`recordings/${roomKey}`).get()).exists()).toBe(false);
    await admin.close();
    await controller.stop();
  });
});
