import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { onValue, type Database as WebDatabase, ref as webRef } from 'firebase/database';
import { deleteApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { type Database, getDatabase } from 'firebase-admin/database';
import { getStorage } from 'firebase-admin/storage';
import { inject } from 'vitest';
import { storageObjectName } from '../../common/recording/recording-paths.js';
import { initializeFirebase } from '../../controller/firebase/firebase-app.js';
import type { Bucket } from '../../controller/upload/storage-types.js';
import { hasStatus, isSettled, recordingFile } from '../file-pipeline/file-pipeline-support.js';
import type { SignedInUser } from '../support/firebase-users.js';
import {
  type Participant,
  RecordingStack,
  type RunningController,
} from '../support/recording-stack.js';

/** The controller's database and bucket as an operator's Admin SDK sees them. */
export interface AdminView {
  readonly db: Database;
  readonly bucket: Bucket;
  setClaims(uid: string, claims: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export function adminView(controller: RunningController): AdminView {
  const app = initializeFirebase(controller.config.firebase, `admin-view-${randomUUID()}`);
  return {
    db: getDatabase(app),
    bucket: getStorage(app).bucket(controller.config.firebase.storageBucket),
    setClaims: (uid, claims) => getAuth(app).setCustomUserClaims(uid, claims),
    close: () => deleteApp(app),
  };
}

export async function objectExists(bucket: Bucket, roomKey: string, recordingId: string) {
  const [exists] = await bucket.file(storageObjectName(roomKey, recordingId)).exists();
  return exists;
}

/** What deletion must remove: the record, the Storage object, the file and its sidecar. */
export async function traces(
  stack: RecordingStack,
  admin: AdminView,
  roomKey: string,
  recordingId: string,
) {
  const file = recordingFile(stack, roomKey, recordingId);
  return {
    record: (await admin.db.ref(`recordings/${roomKey}/${recordingId}`).get()).exists(),
    object: await objectExists(admin.bucket, roomKey, recordingId),
    file: existsSync(file),
    sidecar: existsSync(file.replace(/\.mp4$/, '.upload.json')),
  };
}

/** A fresh ID token for a user, carrying the custom claims set since the last sign-in. */
export async function signInAgain(email: string, password: string): Promise<string> {
  const response = await fetch(
    `http://${inject('authEmulatorHost')}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake-api-key`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    },
  );
  if (!response.ok) throw new Error(`sign-in failed: ${response.status}`);
  return ((await response.json()) as { idToken: string }).idToken;
}

/** Calls the controller's HTTP API and reads the JSON answer. */
export async function callApi(
  controller: RunningController,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> & { error?: { code: string } } }> {
  const response = await fetch(`${controller.base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** Resolves once `recordings/<roomKey>/<recordingId>` is gone, as a client listener sees it. */
export function waitUntilGone(
  db: WebDatabase,
  roomKey: string,
  recordingId: string,
  timeoutMs = 20_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`recording ${recordingId} was not deleted in time`));
    }, timeoutMs);
    const unsubscribe = onValue(webRef(db, `recordings/${roomKey}/${recordingId}`), (snapshot) => {
      if (snapshot.exists()) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

/**
 * A recording started and stopped over HTTP by `user` (so the test holds the requester's ID
 * token), with the user publishing in the room; resolves once the record is `uploaded`.
 */
export async function recordOverHttp(
  stack: RecordingStack,
  controller: RunningController,
  user: SignedInUser,
  viewer: Participant,
  body: Record<string, unknown> = {},
): Promise<{ roomKey: string; recordingId: string; record: Record<string, unknown> }> {
  const { roomUrl, roomKey } = RecordingStack.room();
  stack.livekit.controls.rooms.addParticipant(roomKey, { identity: user.uid });
  stack.livekit.controls.rooms.setPublishing(roomKey, user.uid, true);
  const auth = { authorization: `Bearer ${user.idToken}` };
  // The token makes the user a member of the room, as the web app's join does.
  const joined = await callApi(controller, 'POST', '/token', auth, { roomUrl });
  if (joined.status !== 200) throw new Error(`token answered ${JSON.stringify(joined)}`);
  const started = await callApi(controller, 'POST', '/recordings/start', auth, {
    roomUrl,
    ...body,
  });
  if (started.status !== 202) throw new Error(`start answered ${JSON.stringify(started)}`);
  const recordingId = String(started.body.recordingId);
  await stack.waitForRecord(viewer.db, roomKey, recordingId, hasStatus('recording'));
  await callApi(controller, 'POST', '/recordings/stop', auth, { roomUrl, recordingId });
  const record = await stack.waitForRecord(viewer.db, roomKey, recordingId, isSettled);
  if (record.status !== 'uploaded') throw new Error(`recording ended ${JSON.stringify(record)}`);
  return { roomKey, recordingId, record };
}
