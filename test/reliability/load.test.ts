import type { Database } from 'firebase-admin/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FILES, isSettled } from '../file-pipeline/file-pipeline-support.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { type Participant, RecordingStack } from '../support/recording-stack.js';
import { adminDatabase, expectForwardOnly, expectNothingLost } from './recording-guarantees.js';
import { expectControllerLogClean } from './secret-scan.js';
import { watchUnhandledErrors } from './unhandled-errors.js';

/**
 * Load on one controller (issue 14): 50 rooms recording at once, and 200 commands waiting in the
 * queue for a controller that was down.
 */

const ROOMS = 50;
const QUEUED_RECORDINGS = 100;

const storage = useOwnStorageEmulator();
const unhandled = watchUnhandledErrors();
let stack: RecordingStack;
let admin: { db: Database; close(): Promise<void> };

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
  admin = adminDatabase(stack);
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

describe('one controller under load', () => {
  it(`records ${ROOMS} rooms started and stopped at once, each uploaded once with its bytes`, async () => {
    const controller = await stack.startController({ LOG_LEVEL: 'info' });
    const people = await Promise.all(Array.from({ length: 5 }, () => stack.participant()));
    const rooms = Array.from({ length: ROOMS }, (_, index) => {
      const who = people[index % people.length] as Participant;
      const room = RecordingStack.room();
      stack.livekit.controls.rooms.addParticipant(room.roomKey, { identity: who.uid });
      stack.livekit.controls.rooms.setPublishing(room.roomKey, who.uid, true);
      return { ...room, who };
    });
    const recordings = await Promise.all(
      rooms.map(async (room) => {
        const recordingId = await room.who.start(room.roomUrl);
        return {
          ...room,
          recordingId,
          seen: stack.watchStatuses(room.who.db, room.roomKey, recordingId),
        };
      }),
    );
    await Promise.all(
      recordings.map((recording) =>
        stack.waitForRecord(
          recording.who.db,
          recording.roomKey,
          recording.recordingId,
          (record) => ['recording', 'failed'].includes(String(record.status)),
          60_000,
        ),
      ),
    );
    await Promise.all(
      recordings.map((recording) => recording.who.stop(recording.roomUrl, recording.recordingId)),
    );
    await Promise.all(
      recordings.map((recording) =>
        stack.waitForRecord(
          recording.who.db,
          recording.roomKey,
          recording.recordingId,
          isSettled,
          90_000,
        ),
      ),
    );
    const egressIds = new Set<unknown>();
    for (const recording of recordings) {
      recording.seen.stop();
      const record = await expectNothingLost(stack, storage().emulator, admin.db, recording, {
        expectStatus: 'uploaded',
      });
      egressIds.add(record.egressId);
      expectForwardOnly(recording.seen.statuses);
    }
    expect(egressIds.size).toBe(ROOMS);
    const claimed = controller.log.entries().filter((entry) => entry.msg === 'command taken');
    expect(claimed).toHaveLength(2 * ROOMS);
    expect(new Set(claimed.map((entry) => entry.commandId)).size).toBe(2 * ROOMS);
    expectControllerLogClean(stack, controller);
    await controller.stop();
  }, 180_000);

  it(`processes ${2 * QUEUED_RECORDINGS} commands queued while it was down, each exactly once`, async () => {
    const alice = await stack.participant();
    const queued: { roomKey: string; recordingId: string }[] = [];
    for (let index = 0; index < QUEUED_RECORDINGS; index++) {
      const { roomUrl, roomKey } = RecordingStack.room();
      // Stopped before any controller saw the start: the start cancels it, the stop finds it over.
      const recordingId = await alice.start(roomUrl);
      await alice.stop(roomUrl, recordingId);
      queued.push({ roomKey, recordingId });
    }
    expect(Object.keys((await admin.db.ref('recordingQueue').get()).val() ?? {})).toHaveLength(
      2 * QUEUED_RECORDINGS,
    );
    const controller = await stack.startController({ LOG_LEVEL: 'info' });
    for (const { roomKey, recordingId } of queued) {
      const record = await stack.waitForRecord(alice.db, roomKey, recordingId, (value) =>
        ['failed', 'canceled'].includes(String(value.status)),
      );
      expect(record.status).toBe('canceled');
    }
    await expect
      .poll(async () => (await admin.db.ref('recordingQueue').get()).exists(), { timeout: 20_000 })
      .toBe(false);
    const claimed = controller.log.entries().filter((entry) => entry.msg === 'command taken');
    expect(claimed).toHaveLength(2 * QUEUED_RECORDINGS);
    expect(new Set(claimed.map((entry) => entry.commandId)).size).toBe(2 * QUEUED_RECORDINGS);
    expect(unhandled()).toEqual([]);
    expectControllerLogClean(stack, controller);
    await controller.stop();
  }, 120_000);
});
