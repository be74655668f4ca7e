import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
  type RulesTestEnvironment,
} from '@firebase/rules-unit-testing';
import { afterAll, beforeAll, beforeEach, describe, it } from 'vitest';
import {
  deleteRecordingUpdate,
  startRecordingUpdate,
  stopRecordingUpdate,
} from '../../common/recording/recording-commands.js';
import { consentPath } from '../../common/recording/recording-paths.js';
import { roomKeyFromUrl } from '../../common/room-key.js';

/**
 * database.rules.json, case by case. Each row names the rule (docs/architecture.md, "Rules") it
 * proves and whether the write or read must be allowed. Every rule has at least one allowed and
 * one denied row.
 */

type Db = ReturnType<ReturnType<RulesTestEnvironment['authenticatedContext']>['database']>;

interface RuleCase {
  readonly rule: string;
  readonly name: string;
  readonly allowed: boolean;
  /** The record's state before the case runs (written with rules disabled). */
  readonly seed?: 'requested' | 'recording' | 'failed' | 'stopped' | 'uploaded' | 'consented';
  /**
   * `admin` is carol with the `recordingAdmin` custom claim, in no room. alice and bob are
   * members of the room and of a decoy room (the controller wrote them when it gave them a
   * token); mallory is signed in but a member of neither.
   */
  readonly as: 'alice' | 'bob' | 'admin' | 'mallory' | 'anonymous';
  readonly run: (db: Db, ids: Ids) => Promise<unknown>;
}

interface Ids {
  readonly roomUrl: string;
  readonly roomKey: string;
  readonly recordingId: string;
  /** Another room alice and bob belong to. */
  readonly decoyRoomUrl: string;
  readonly decoyRoomKey: string;
}

const TIMESTAMP = { '.sv': 'timestamp' };
interface Changes {
  readonly record?: Record<string, unknown>;
  readonly command?: Record<string, unknown>;
}

/** The SPA's start update, with fields of the record or the command changed or added. */
const start = (db: Db, ids: Ids, uid: string, changes: Changes = {}) => {
  const update = startRecordingUpdate({ ...ids, uid, serverTime: TIMESTAMP });
  const recordPath = record(ids);
  const commandPath = queue(ids, 'start');
  return db.ref().update({
    ...update,
    [recordPath]: { ...(update[recordPath] as object), ...changes.record },
    [commandPath]: { ...(update[commandPath] as object), ...changes.command },
  });
};
const stop = (db: Db, ids: Ids, uid: string) =>
  db.ref().update(stopRecordingUpdate({ ...ids, uid, serverTime: TIMESTAMP }));
const remove = (db: Db, ids: Ids, uid: string) =>
  db.ref().update(deleteRecordingUpdate({ ...ids, uid, serverTime: TIMESTAMP }));
const record = (ids: Ids) => `recordings/${ids.roomKey}/${ids.recordingId}`;
const inDecoy = (ids: Ids): Ids => ({
  ...ids,
  roomUrl: ids.decoyRoomUrl,
  roomKey: ids.decoyRoomKey,
});
const pushId = () => `-O${randomBytes(14).toString('base64url').slice(0, 18)}`;
const queue = (ids: Ids, action: string) => `recordingQueue/${ids.recordingId}_${action}`;

const CASES: readonly RuleCase[] = [
  // A record is created only with its start command, as requested, by its requester.
  {
    rule: 'create record',
    name: 'record and start command together',
    allowed: true,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice'),
  },
  {
    rule: 'create record',
    name: 'unauthenticated',
    allowed: false,
    as: 'anonymous',
    run: (db, ids) => start(db, ids, 'alice'),
  },
  {
    rule: 'create record',
    name: "another user's uid as requestedBy",
    allowed: false,
    as: 'bob',
    run: (db, ids) => start(db, ids, 'alice'),
  },
  {
    rule: 'create record',
    name: 'a status other than requested',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { status: 'recording' } }),
  },
  {
    rule: 'create record',
    name: 'a record without its command',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db.ref(record(ids)).set({
        roomUrl: ids.roomUrl,
        requestedBy: 'alice',
        requestedAt: TIMESTAMP,
        status: 'requested',
      }),
  },
  {
    rule: 'create record',
    name: 'a client clock instead of the server timestamp',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { requestedAt: 12345 } }),
  },
  {
    rule: 'create record',
    name: 'a controller field (egressId)',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { egressId: 'EG_x' } }),
  },
  {
    rule: 'create record',
    name: 'an extra child',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { note: 'hi' } }),
  },
  {
    rule: 'create record',
    name: 'a roomUrl over 191 characters',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      start(db, ids, 'alice', { record: { roomUrl: `https://x.io/${'a'.repeat(200)}` } }),
  },
  {
    rule: 'create record',
    name: 'a recording id that is not a push id',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, { ...ids, recordingId: 'short' }, 'alice'),
  },
  {
    rule: 'create record',
    name: 'a record that already exists',
    allowed: false,
    seed: 'requested',
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice'),
  },
  {
    rule: 'create record',
    name: 'a stop request at creation',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { stopRequestedBy: 'alice' } }),
  },
  // Per-recording choices (issue 15): bounded here, the preset allow-list by the controller.
  {
    rule: 'recording options',
    name: 'a layout and a preset',
    allowed: true,
    as: 'alice',
    run: (db, ids) =>
      start(db, ids, 'alice', { record: { layout: 'speaker-light', preset: 'H264_1080P_30' } }),
  },
  {
    rule: 'recording options',
    name: 'audio only',
    allowed: true,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { audioOnly: true } }),
  },
  {
    rule: 'recording options',
    name: 'an unknown layout',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { layout: 'mosaic' } }),
  },
  {
    rule: 'recording options',
    name: 'an unknown preset',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { preset: 'H264_4K_120' } }),
  },
  {
    rule: 'recording options',
    name: 'audio only with a layout',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { audioOnly: true, layout: 'grid' } }),
  },
  {
    rule: 'recording options',
    name: 'audioOnly that is not a boolean',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { record: { audioOnly: 'yes' } }),
  },
  // Delete: a command for a finished recording, from its requester or a recordingAdmin.
  {
    rule: 'delete command',
    name: 'the requester deletes an uploaded recording',
    allowed: true,
    seed: 'uploaded',
    as: 'alice',
    run: (db, ids) => remove(db, ids, 'alice'),
  },
  {
    rule: 'delete command',
    name: 'the requester deletes a failed recording',
    allowed: true,
    seed: 'failed',
    as: 'alice',
    run: (db, ids) => remove(db, ids, 'alice'),
  },
  {
    rule: 'delete command',
    name: 'a user with the recordingAdmin claim deletes it',
    allowed: true,
    seed: 'uploaded',
    as: 'admin',
    run: (db, ids) => remove(db, ids, 'carol'),
  },
  {
    rule: 'delete command',
    name: 'another user deletes it',
    allowed: false,
    seed: 'uploaded',
    as: 'bob',
    run: (db, ids) => remove(db, ids, 'bob'),
  },
  {
    rule: 'delete command',
    name: 'a delete in the requester name by another user',
    allowed: false,
    seed: 'uploaded',
    as: 'bob',
    run: (db, ids) => remove(db, ids, 'alice'),
  },
  {
    rule: 'delete command',
    name: 'a delete while recording',
    allowed: false,
    seed: 'recording',
    as: 'alice',
    run: (db, ids) => remove(db, ids, 'alice'),
  },
  {
    rule: 'delete command',
    name: 'a delete of a recording that does not exist',
    allowed: false,
    as: 'alice',
    run: (db, ids) => remove(db, ids, 'alice'),
  },
  {
    rule: 'delete command',
    name: 'unauthenticated',
    allowed: false,
    seed: 'uploaded',
    as: 'anonymous',
    run: (db, ids) => remove(db, ids, 'alice'),
  },
  // The queue entry: the command's fields are bounded and tied to the record.
  {
    rule: 'queue command',
    name: 'the start command beside its new record',
    allowed: true,
    as: 'bob',
    run: (db, ids) => start(db, ids, 'bob'),
  },
  {
    rule: 'queue command',
    name: 'a command without its record',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db.ref(queue(ids, 'start')).set({
        action: 'start',
        roomKey: ids.roomKey,
        recordingId: ids.recordingId,
        by: 'alice',
        at: TIMESTAMP,
      }),
  },
  {
    rule: 'queue command',
    name: "another user's uid as by",
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { command: { by: 'bob' } }),
  },
  {
    rule: 'queue command',
    name: 'a key that does not name the command',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db.ref().update({
        ...startRecordingUpdate({ ...ids, uid: 'alice', serverTime: TIMESTAMP }),
        [queue(ids, 'stop')]: {
          action: 'start',
          roomKey: ids.roomKey,
          recordingId: ids.recordingId,
          by: 'alice',
          at: TIMESTAMP,
        },
      }),
  },
  {
    rule: 'queue command',
    name: 'an extra child',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { command: { priority: 1 } }),
  },
  {
    rule: 'queue command',
    name: 'an unknown action',
    allowed: false,
    as: 'alice',
    run: (db, ids) => start(db, ids, 'alice', { command: { action: 'pause' } }),
  },
  // Stop: once per recording, by whoever asks, with its command.
  {
    rule: 'request stop',
    name: 'another participant stops, with the command',
    allowed: true,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => stop(db, ids, 'bob'),
  },
  {
    rule: 'request stop',
    name: 'a stop while requested',
    allowed: true,
    seed: 'requested',
    as: 'alice',
    run: (db, ids) => stop(db, ids, 'alice'),
  },
  {
    rule: 'request stop',
    name: 'a second stop',
    allowed: false,
    seed: 'stopped',
    as: 'alice',
    run: (db, ids) => stop(db, ids, 'alice'),
  },
  {
    rule: 'request stop',
    name: 'a stop without its command',
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) =>
      db.ref(record(ids)).update({ stopRequestedBy: 'bob', stopRequestedAt: TIMESTAMP }),
  },
  {
    rule: 'request stop',
    name: "another user's uid as stopRequestedBy",
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => stop(db, ids, 'alice'),
  },
  {
    rule: 'request stop',
    name: 'a stop of a recording that is over',
    allowed: false,
    seed: 'failed',
    as: 'alice',
    run: (db, ids) => stop(db, ids, 'alice'),
  },
  {
    rule: 'request stop',
    name: 'unauthenticated',
    allowed: false,
    seed: 'recording',
    as: 'anonymous',
    run: (db, ids) => stop(db, ids, 'alice'),
  },
  // Controller fields, rooms/*: never a client's.
  {
    rule: 'controller fields',
    name: 'a client moves status',
    allowed: false,
    seed: 'recording',
    as: 'alice',
    run: (db, ids) => db.ref(`${record(ids)}/status`).set('uploaded'),
  },
  {
    rule: 'controller fields',
    name: 'a client writes downloadUrl',
    allowed: false,
    seed: 'recording',
    as: 'alice',
    run: (db, ids) => db.ref(`${record(ids)}/downloadUrl`).set('https://evil.example'),
  },
  {
    rule: 'controller fields',
    name: 'a client deletes its record',
    allowed: false,
    seed: 'requested',
    as: 'alice',
    run: (db, ids) => db.ref(record(ids)).remove(),
  },
  {
    rule: 'rooms',
    name: 'a client writes the room lock',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db
        .ref(`rooms/${ids.roomKey}/activeRecording`)
        .set({ recordingId: ids.recordingId, status: 'recording' }),
  },
  // Consents: each participant's own receipt, once, while the recording is active.
  {
    rule: 'consent',
    name: 'own receipt while recording',
    allowed: true,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => db.ref(`${record(ids)}/consents/bob`).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: "someone else's receipt",
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => db.ref(`${record(ids)}/consents/alice`).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: 'a receipt once the recording is over',
    allowed: false,
    seed: 'failed',
    as: 'bob',
    run: (db, ids) => db.ref(`${record(ids)}/consents/bob`).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: 'own receipt while the recording is still requested',
    allowed: true,
    seed: 'requested',
    as: 'bob',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'bob')).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: 'a second receipt (once only)',
    allowed: false,
    seed: 'consented',
    as: 'bob',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'bob')).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: 'withdrawing a receipt',
    allowed: false,
    seed: 'consented',
    as: 'bob',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'bob')).remove(),
  },
  {
    rule: 'consent',
    name: 'a receipt for a recording that does not exist',
    allowed: false,
    as: 'bob',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'bob')).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: 'unauthenticated',
    allowed: false,
    seed: 'recording',
    as: 'anonymous',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'bob')).set(TIMESTAMP),
  },
  {
    rule: 'consent',
    name: 'a receipt that is not a timestamp',
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'bob')).set('yes'),
  },
  {
    rule: 'consent',
    name: 'a client clock',
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => db.ref(`${record(ids)}/consents/bob`).set(5),
  },
  // Reads: signed-in users read a room's records and its lock, nothing wider.
  {
    rule: 'read room records',
    name: 'signed in',
    allowed: true,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => db.ref(`recordings/${ids.roomKey}`).get(),
  },
  {
    rule: 'read room records',
    name: 'unauthenticated',
    allowed: false,
    seed: 'recording',
    as: 'anonymous',
    run: (db, ids) => db.ref(`recordings/${ids.roomKey}`).get(),
  },
  {
    rule: 'read room records',
    name: 'every room at once',
    allowed: false,
    as: 'bob',
    run: (db) => db.ref('recordings').get(),
  },
  {
    rule: 'read queue',
    name: 'the command queue',
    allowed: false,
    as: 'alice',
    run: (db) => db.ref('recordingQueue').get(),
  },
  {
    rule: 'pending uploads',
    name: 'reading the controller’s pending-upload index',
    allowed: false,
    as: 'alice',
    run: (db, ids) => db.ref(`uploads/pending/${ids.roomKey}`).get(),
  },
  {
    rule: 'pending uploads',
    name: 'writing an entry into the pending-upload index',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db
        .ref(`uploads/pending/${ids.roomKey}/${ids.recordingId}`)
        .set({ status: 'uploading', by: 'alice', since: 1 }),
  },
  {
    rule: 'read room lock',
    name: 'signed in',
    allowed: true,
    as: 'bob',
    run: (db, ids) => db.ref(`rooms/${ids.roomKey}`).get(),
  },
  {
    rule: 'read room lock',
    name: 'unauthenticated',
    allowed: false,
    as: 'anonymous',
    run: (db, ids) => db.ref(`rooms/${ids.roomKey}`).get(),
  },
  // Membership (issue 22): only a room's members write its commands and consents, read its
  // records and lock; each half of a command pair names the other; one command an update.
  {
    rule: 'membership',
    name: 'a non-member starts a recording in the room',
    allowed: false,
    as: 'mallory',
    run: (db, ids) => start(db, ids, 'mallory'),
  },
  {
    rule: 'membership',
    name: 'a non-member asks to stop a recording of the room',
    allowed: false,
    seed: 'recording',
    as: 'mallory',
    run: (db, ids) => stop(db, ids, 'mallory'),
  },
  {
    rule: 'membership',
    name: 'a non-member adds a consent receipt',
    allowed: false,
    seed: 'recording',
    as: 'mallory',
    run: (db, ids) => db.ref(consentPath(ids.roomKey, ids.recordingId, 'mallory')).set(TIMESTAMP),
  },
  {
    rule: 'membership',
    name: "a non-member reads the room's records",
    allowed: false,
    seed: 'uploaded',
    as: 'mallory',
    run: (db, ids) => db.ref(`recordings/${ids.roomKey}`).get(),
  },
  {
    rule: 'membership',
    name: "a non-member reads the room's lock",
    allowed: false,
    as: 'mallory',
    run: (db, ids) => db.ref(`rooms/${ids.roomKey}`).get(),
  },
  {
    rule: 'membership',
    name: 'a member reads the room, its members included',
    allowed: true,
    as: 'bob',
    run: (db, ids) => db.ref(`rooms/${ids.roomKey}/members`).get(),
  },
  {
    rule: 'membership',
    name: 'a client makes itself a member',
    allowed: false,
    as: 'mallory',
    run: (db, ids) => db.ref(`rooms/${ids.roomKey}/members/mallory`).set({ joinedAt: TIMESTAMP }),
  },
  {
    rule: 'membership',
    name: "a client writes a closed room's guest list",
    allowed: false,
    as: 'alice',
    run: (db, ids) => db.ref(`rooms/${ids.roomKey}/allowed/mallory`).set(true),
  },
  {
    rule: 'command pair',
    name: 'a record in the room beside a start naming the decoy room (hole 2)',
    allowed: false,
    as: 'bob',
    run: (db, ids) =>
      db.ref().update({
        ...startRecordingUpdate({ ...inDecoy(ids), uid: 'bob', serverTime: TIMESTAMP }),
        [record(ids)]: {
          roomUrl: ids.roomUrl,
          requestedBy: 'bob',
          requestedAt: TIMESTAMP,
          status: 'requested',
        },
      }),
  },
  {
    rule: 'command pair',
    name: 'a stop request and its stop command, both naming the room',
    allowed: true,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) => stop(db, ids, 'bob'),
  },
  {
    rule: 'command pair',
    name: 'a start whose command names the decoy room',
    allowed: false,
    as: 'bob',
    run: (db, ids) => start(db, ids, 'bob', { command: { roomKey: ids.decoyRoomKey } }),
  },
  {
    rule: 'command pair',
    name: 'a stop request in the room with a stop command naming the decoy room',
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: (db, ids) =>
      db.ref().update({
        ...stopRecordingUpdate({ ...inDecoy(ids), uid: 'bob', serverTime: TIMESTAMP }),
        [`${record(ids)}/stopRequestedBy`]: 'bob',
        [`${record(ids)}/stopRequestedAt`]: TIMESTAMP,
      }),
  },
  {
    rule: 'command pair',
    name: 'a stop request beside a stop command written before',
    allowed: false,
    seed: 'recording',
    as: 'bob',
    run: async (db, ids) => {
      await stop(db, ids, 'bob').catch(() => undefined);
      return db.ref(record(ids)).update({ stopRequestedBy: 'bob', stopRequestedAt: TIMESTAMP });
    },
  },
  {
    rule: 'one command an update',
    name: 'two starts in two rooms in one update (hole 4)',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db.ref().update({
        ...startRecordingUpdate({ ...ids, uid: 'alice', serverTime: TIMESTAMP }),
        ...startRecordingUpdate({
          ...inDecoy(ids),
          recordingId: pushId(),
          uid: 'alice',
          serverTime: TIMESTAMP,
        }),
      }),
  },
  {
    rule: 'one command an update',
    name: 'a start without its command mark',
    allowed: false,
    as: 'alice',
    run: (db, ids) => {
      const update = startRecordingUpdate({ ...ids, uid: 'alice', serverTime: TIMESTAMP });
      delete update['commandMarks/alice'];
      return db.ref().update(update);
    },
  },
  {
    rule: 'one command an update',
    name: 'a command mark alone',
    allowed: false,
    as: 'alice',
    run: (db, ids) =>
      db.ref('commandMarks/alice').set({ command: `${ids.recordingId}_start`, at: TIMESTAMP }),
  },
  {
    rule: 'one command an update',
    name: "another user's command mark",
    allowed: false,
    as: 'bob',
    run: (db, ids) => {
      const update = startRecordingUpdate({ ...ids, uid: 'bob', serverTime: TIMESTAMP });
      update['commandMarks/alice'] = update['commandMarks/bob'];
      delete update['commandMarks/bob'];
      return db.ref().update(update);
    },
  },
  {
    rule: 'one command an update',
    name: 'one start, then another in a second update',
    allowed: true,
    as: 'alice',
    run: async (db, ids) => {
      await start(db, ids, 'alice');
      return start(db, { ...inDecoy(ids), recordingId: pushId() }, 'alice');
    },
  },
];

let env: RulesTestEnvironment;

beforeAll(async () => {
  const [host, port] = (process.env.FIREBASE_DATABASE_EMULATOR_HOST ?? '').split(':');
  env = await initializeTestEnvironment({
    projectId: `demo-rules-${randomBytes(4).toString('hex')}`,
    database: {
      host: host ?? '127.0.0.1',
      port: Number(port),
      rules: readFileSync(new URL('../../database.rules.json', import.meta.url), 'utf8'),
    },
  });
});

afterAll(async () => {
  await env?.cleanup();
});

beforeEach(async () => {
  await env.clearDatabase();
});

/** alice and bob hold tokens for the room and the decoy room, as the controller records it. */
async function seedMembers(ids: Ids) {
  await env.withSecurityRulesDisabled(async (context) => {
    const members = { alice: { joinedAt: Date.now() }, bob: { joinedAt: Date.now() } };
    await context
      .database()
      .ref()
      .update({
        [`rooms/${ids.roomKey}/members`]: members,
        [`rooms/${ids.decoyRoomKey}/members`]: members,
      });
  });
}

async function seed(ids: Ids, state: NonNullable<RuleCase['seed']>) {
  await env.withSecurityRulesDisabled(async (context) => {
    const base = { roomUrl: ids.roomUrl, requestedBy: 'alice', requestedAt: Date.now() };
    const status = state === 'stopped' || state === 'consented' ? 'recording' : state;
    const extra =
      state === 'stopped'
        ? { stopRequestedBy: 'alice', stopRequestedAt: Date.now() }
        : state === 'consented'
          ? { consents: { bob: Date.now() } }
          : {};
    await context
      .database()
      .ref(record(ids))
      .set({ ...base, status, ...extra });
  });
}

describe('database.rules.json', () => {
  it.each(
    CASES.map(
      (rule) => [`${rule.rule}: ${rule.allowed ? 'allows' : 'denies'} ${rule.name}`, rule] as const,
    ),
  )('%s', async (_title, rule) => {
    const roomUrl = `https://app.example.com/room/${randomBytes(4).toString('hex')}`;
    const decoyRoomUrl = `https://app.example.com/room/${randomBytes(4).toString('hex')}`;
    const ids = {
      roomUrl,
      roomKey: roomKeyFromUrl(roomUrl),
      recordingId: pushId(),
      decoyRoomUrl,
      decoyRoomKey: roomKeyFromUrl(decoyRoomUrl),
    };
    await seedMembers(ids);
    if (rule.seed !== undefined) await seed(ids, rule.seed);
    const context =
      rule.as === 'anonymous'
        ? env.unauthenticatedContext()
        : rule.as === 'admin'
          ? env.authenticatedContext('carol', { recordingAdmin: true })
          : env.authenticatedContext(rule.as);
    const attempt = rule.run(context.database(), ids);
    if (rule.allowed) await assertSucceeds(attempt);
    else await assertFails(attempt);
  });

  it('has an allowed and a denied case for every rule', () => {
    const rules = new Set(CASES.map((rule) => rule.rule));
    for (const name of rules) {
      const cases = CASES.filter((rule) => rule.rule === name);
      const kinds = new Set(cases.map((rule) => rule.allowed));
      // Rules that only deny (rooms, queue reads) prove their allow side elsewhere: the
      // controller writes rooms/* with the Admin SDK, and nothing may read the queue.
      if (
        name !== 'rooms' &&
        name !== 'read queue' &&
        name !== 'pending uploads' &&
        name !== 'controller fields' &&
        name !== 'queue command'
      ) {
        if (!kinds.has(true) || !kinds.has(false)) throw new Error(`rule "${name}" lacks a case`);
      }
    }
  });
});
