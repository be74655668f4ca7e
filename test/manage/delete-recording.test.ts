import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ref, update } from 'firebase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRecordingUpdate } from '../../common/recording/recording-commands.js';
import { storageObjectName } from '../../common/recording/recording-paths.js';
import { FAST_FILES, hasStatus, recordBriefly } from '../file-pipeline/file-pipeline-support.js';
import { signUpUser } from '../support/firebase-users.js';
import {
  type Participant,
  RecordingStack,
  type RunningController,
} from '../support/recording-stack.js';
import {
  type AdminView,
  adminView,
  callApi,
  recordOverHttp,
  signInAgain,
  traces,
  waitUntilGone,
} from './manage-support.js';

let stack: RecordingStack;
let controller: RunningController;
let admin: AdminView;
let viewer: Participant;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
  controller = await stack.startController();
  admin = adminView(controller);
  viewer = await stack.participant();
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

const ALL_PRESENT = { record: true, object: true, file: true, sidecar: true };
const ALL_GONE = { record: false, object: false, file: false, sidecar: false };

describe('DELETE /recordings/:roomKey/:recordingId', () => {
  it('lets the requester delete the object, the local file with its sidecar, and the record', async () => {
    const alice = await signUpUser();
    const { roomKey, recordingId, record } = await recordOverHttp(stack, controller, alice, viewer);
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_PRESENT);

    const deleted = await callApi(controller, 'DELETE', `/recordings/${roomKey}/${recordingId}`, {
      authorization: `Bearer ${alice.idToken}`,
    });
    expect(deleted).toEqual({
      status: 200,
      body: { recordingId, roomKey, deleted: true, objectDeleted: true, localFileDeleted: true },
    });
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_GONE);
    expect((await fetch(String(record.downloadUrl))).status).toBe(404);
    expect(controller.log.text).toContain('"msg":"recording deleted"');
  });

  it("refuses another user's ID token with 403 delete_not_allowed and deletes nothing", async () => {
    const alice = await signUpUser();
    const mallory = await signUpUser();
    const { roomKey, recordingId } = await recordOverHttp(stack, controller, alice, viewer);
    const refused = await callApi(controller, 'DELETE', `/recordings/${roomKey}/${recordingId}`, {
      authorization: `Bearer ${mallory.idToken}`,
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error?.code).toBe('delete_not_allowed');
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_PRESENT);
  });

  it('lets a user with the recordingAdmin claim delete what someone else recorded', async () => {
    const alice = await signUpUser();
    const carol = await signUpUser();
    const { roomKey, recordingId } = await recordOverHttp(stack, controller, alice, viewer);
    await admin.setClaims(carol.uid, { recordingAdmin: true });
    const token = await signInAgain(carol.email, carol.password);
    const deleted = await callApi(controller, 'DELETE', `/recordings/${roomKey}/${recordingId}`, {
      authorization: `Bearer ${token}`,
    });
    expect(deleted.status).toBe(200);
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_GONE);
  });

  it('refuses a recording that is still active with 409 recording_active, and it records on', async () => {
    const alice = await signUpUser();
    const { roomUrl, roomKey } = RecordingStack.room();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, true);
    const auth = { authorization: `Bearer ${alice.idToken}` };
    expect((await callApi(controller, 'POST', '/token', auth, { roomUrl })).status).toBe(200);
    const started = await callApi(controller, 'POST', '/recordings/start', auth, { roomUrl });
    const recordingId = String(started.body.recordingId);
    await stack.waitForRecord(viewer.db, roomKey, recordingId, hasStatus('recording'));

    const refused = await callApi(
      controller,
      'DELETE',
      `/recordings/${roomKey}/${recordingId}`,
      auth,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error?.code).toBe('recording_active');
    const lock = await stack.waitForLock(viewer.db, roomKey, (value) => value !== null);
    expect(lock).toMatchObject({ recordingId, status: 'recording' });

    await callApi(controller, 'POST', '/recordings/stop', auth, { roomUrl, recordingId });
    const uploaded = await stack.waitForRecord(
      viewer.db,
      roomKey,
      recordingId,
      hasStatus('uploaded'),
    );
    expect(uploaded.status).toBe('uploaded');
  });

  it("removes no file outside the room's directory through a path-shaped egressId (issue 22, hole 5)", async () => {
    const alice = await signUpUser();
    const { roomKey, recordingId } = await recordOverHttp(stack, controller, alice, viewer);
    // What a webhook once wrote unchecked; the file sits beside the rooms' directories.
    const outside = join(stack.outputDir, 'planted.json');
    await writeFile(outside, '{}');
    await admin.db.ref(`recordings/${roomKey}/${recordingId}/egressId`).set('../planted');
    const deleted = await callApi(controller, 'DELETE', `/recordings/${roomKey}/${recordingId}`, {
      'x-api-key': controller.config.control.apiKey,
    });
    expect(deleted.status).toBe(200);
    expect(existsSync(outside)).toBe(true);
  });

  it('deletes the record of a recording whose object is already gone', async () => {
    const alice = await signUpUser();
    const { roomKey, recordingId } = await recordOverHttp(stack, controller, alice, viewer);
    await admin.bucket.file(storageObjectName(roomKey, recordingId)).delete();
    const deleted = await callApi(controller, 'DELETE', `/recordings/${roomKey}/${recordingId}`, {
      'x-api-key': controller.config.control.apiKey,
    });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ objectDeleted: false, localFileDeleted: true });
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_GONE);
  });

  it('answers 404 recording_not_found for an unknown recording, 400 for a malformed id, 401 without credentials', async () => {
    const { roomKey } = RecordingStack.room();
    const key = { 'x-api-key': controller.config.control.apiKey };
    const unknown = await callApi(
      controller,
      'DELETE',
      `/recordings/${roomKey}/-Onotarecordingatall`,
      key,
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error?.code).toBe('recording_not_found');
    const malformed = await callApi(controller, 'DELETE', `/recordings/${roomKey}/short`, key);
    expect(malformed.status).toBe(400);
    expect(malformed.body.error?.code).toBe('invalid_request');
    const anonymous = await callApi(
      controller,
      'DELETE',
      `/recordings/${roomKey}/-Onotarecordingatall`,
      {},
    );
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error?.code).toBe('unauthenticated');
  });
});

describe('the delete command a client writes', () => {
  it('deletes the object, the local file and the record for the requester', async () => {
    const { roomKey, recordingId, alice } = await recordBriefly(stack);
    const roomUrl = String(
      (await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('uploaded'))).roomUrl,
    );
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_PRESENT);
    await update(
      ref(alice.db),
      deleteRecordingUpdate({
        roomUrl,
        recordingId,
        uid: alice.uid,
        serverTime: { '.sv': 'timestamp' },
      }),
    );
    await waitUntilGone(alice.db, roomKey, recordingId);
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_GONE);
  });

  it('is refused by the rules for another user and while the recording is active', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    const bob = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, true);
    const recordingId = await alice.start(roomUrl);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('recording'));
    const serverTime = { '.sv': 'timestamp' };
    await expect(
      update(
        ref(alice.db),
        deleteRecordingUpdate({ roomUrl, recordingId, uid: alice.uid, serverTime }),
      ),
    ).rejects.toThrow(/permission/i);

    await alice.stop(roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('uploaded'));
    await expect(
      update(
        ref(bob.db),
        deleteRecordingUpdate({ roomUrl, recordingId, uid: bob.uid, serverTime }),
      ),
    ).rejects.toThrow(/permission/i);
    expect(await traces(stack, admin, roomKey, recordingId)).toEqual(ALL_PRESENT);
  });

  it('drops a malformed delete command without failing or stopping its recording', async () => {
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
    // Written with the Admin SDK, past the rules, as only a buggy server could.
    const entry = admin.db.ref(`recordingQueue/${recordingId}_delete`);
    await entry.set({ action: 'delete', roomKey, recordingId, by: alice.uid, at: 'now' });
    await expect.poll(async () => (await entry.get()).exists(), { timeout: 10_000 }).toBe(false);
    const record = await admin.db.ref(`recordings/${roomKey}/${recordingId}`).get();
    expect(record.val()).toMatchObject({ status: 'recording' });
    expect(controller.log.text).toContain('"action":"delete"');
    await alice.stop(roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('uploaded'));
  });
});
