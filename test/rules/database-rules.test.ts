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
} from '../../common/recording-commands.js';
import { roomKeyFromUrl } from '../../common/room-key.js';

/**
 * database.rules.json, case by case. Each row names the rule (DESIGN §3–4) it proves and
 * whether the write or read must be allowed. Every rule has at least one allowed and one
 * denied row.
 */

type Db = ReturnType<ReturnType<RulesTestEnvironment['authenticatedContext']>['database']>;

interface RuleCase {
  readonly rule: string;
  readonly name: string;
  readonly allowed: boolean;
  /** The record's state before the case runs (written with rules disabled). */
  readonly seed?: 'requested' | 'recording' | 'failed' | 'stopped' | 'uploaded';
  /** `admin` is carol with the `recordingAdmin` custom claim. */
  readonly as: 'alice' | 'bob' | 'admin' | 'anonymous';
  readonly run: (db: Db, ids: Ids) => Promise<unknown>;
}

interface Ids {
  readonly roomUrl: string;
  readonly roomKey: string;
  readonly recordingId: string;
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

async function seed(ids: Ids, state: NonNullable<RuleCase['seed']>) {
  await env.withSecurityRulesDisabled(async (context) => {
    const base = { roomUrl: ids.roomUrl, requestedBy: 'alice', requestedAt: Date.now() };
    const status = state === 'stopped' ? 'recording' : state;
    const extra =
      state === 'stopped' ? { stopRequestedBy: 'alice', stopRequestedAt: Date.now() } : {};
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
    const ids = {
      roomUrl,
      roomKey: roomKeyFromUrl(roomUrl),
      recordingId: `-O${randomBytes(14).toString('base64url').slice(0, 18)}`,
    };
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
        name !== 'controller fields' &&
        name !== 'queue command'
      ) {
        if (!kinds.has(true) || !kinds.has(false)) throw new Error(`rule "${name}" lacks a case`);
      }
    }
  });
});
