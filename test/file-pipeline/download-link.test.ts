import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signUpUser } from '../support/firebase-users.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import {
  FAST_FILES,
  finishedRecording,
  sha256,
  sha256OfFile,
  waitForStatus,
} from './file-pipeline-support.js';

let stack: RecordingStack;
/** One controller at a time (they would share one recordings directory); signed links unless a test says otherwise. */
let signed: RunningController;

const MIB = 1024 * 1024;
const DAY_MS = 24 * 3600 * 1000;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
});

beforeEach(async () => {
  signed = await stack.startController({ DOWNLOAD_URL_MODE: 'signed' });
});

afterEach(async () => {
  await signed.stop();
});

afterAll(async () => {
  await stack?.stop();
});

const refresh = (
  controller: RunningController,
  roomKey: string,
  recordingId: string,
  headers: Record<string, string>,
) =>
  fetch(`${controller.base}/recordings/${roomKey}/${recordingId}/download-url`, {
    method: 'POST',
    headers,
  });

/** A signed-in member of the room (as a token from the controller makes one). */
const asMember = async (roomKey: string) => {
  const user = await signUpUser();
  await stack.admit(roomKey, user.uid);
  return { authorization: `Bearer ${user.idToken}` };
};

const randomRecordingId = () => `-${randomBytes(14).toString('base64url').slice(0, 19)}`;

describe('POST /recordings/:roomKey/:recordingId/download-url', () => {
  it('gives a member of the room a fresh signed link, writes it into the record, and the link returns the file', async () => {
    const recording = await finishedRecording(stack, MIB);
    const uploaded = await waitForStatus(recording, 'uploaded');
    expect(uploaded.downloadUrlExpiresAt).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    const response = await refresh(
      signed,
      recording.roomKey,
      recording.recordingId,
      await asMember(recording.roomKey),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { downloadUrl: string; expiresAt: number };
    expect(new URL(body.downloadUrl).searchParams.get('X-Goog-Algorithm')).toBe('GOOG4-RSA-SHA256');
    expect(body.expiresAt).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    const record = (
      await recording.db.ref(`recordings/${recording.roomKey}/${recording.recordingId}`).get()
    ).val();
    expect(record).toMatchObject({
      status: 'uploaded',
      downloadUrl: body.downloadUrl,
      downloadUrlExpiresAt: body.expiresAt,
    });
    const download = await fetch(body.downloadUrl);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(
      await sha256OfFile(recording.path),
    );
    await recording.close();
  });

  it('answers a trusted server holding the API key too', async () => {
    const recording = await finishedRecording(stack, MIB);
    await waitForStatus(recording, 'uploaded');
    const response = await refresh(signed, recording.roomKey, recording.recordingId, {
      'x-api-key': signed.config.control.apiKey,
    });
    expect({ status: response.status, body: await response.json() }).toMatchObject({
      status: 200,
      body: { downloadUrl: expect.any(String), expiresAt: expect.any(Number) },
    });
    await recording.close();
  });

  it('replaces a signed link by the token link, which never expires, under DOWNLOAD_URL_MODE=token', async () => {
    const recording = await finishedRecording(stack, MIB);
    const uploaded = await waitForStatus(recording, 'uploaded');
    expect(uploaded.downloadUrlExpiresAt).toEqual(expect.any(Number));
    await signed.stop();
    // afterEach stops whichever controller runs last.
    signed = await stack.startController();
    const response = await refresh(
      signed,
      recording.roomKey,
      recording.recordingId,
      await asMember(recording.roomKey),
    );
    const body = (await response.json()) as { downloadUrl: string; expiresAt: number | null };
    expect(body.expiresAt).toBeNull();
    expect(new URL(body.downloadUrl).searchParams.get('token')).toEqual(expect.any(String));
    const record = (
      await recording.db.ref(`recordings/${recording.roomKey}/${recording.recordingId}`).get()
    ).val();
    expect(record.downloadUrl).toBe(body.downloadUrl);
    expect(record.downloadUrlExpiresAt).toBeUndefined();
    const download = await fetch(body.downloadUrl);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(
      await sha256OfFile(recording.path),
    );
    await recording.close();
  });

  it('refuses with a stable code what has no link to give', async () => {
    const { roomKey } = RecordingStack.room();
    const missing = await refresh(signed, roomKey, randomRecordingId(), await asMember(roomKey));
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'recording_not_found' } });

    const recording = await finishedRecording(stack, undefined);
    const path = `recordings/${recording.roomKey}/${recording.recordingId}`;
    // A recording still being recorded (no controller drives a record without a room lock).
    await recording.db.ref(path).update({ status: 'recording' });
    const notYet = await refresh(
      signed,
      recording.roomKey,
      recording.recordingId,
      await asMember(recording.roomKey),
    );
    expect(notYet.status).toBe(409);
    expect(await notYet.json()).toMatchObject({ error: { code: 'not_uploaded' } });
    await recording.close();
  });

  it('refuses bad parameters and missing credentials', async () => {
    const { roomKey } = RecordingStack.room();
    const badId = await refresh(signed, roomKey, 'not-a-push-id', await asMember(roomKey));
    expect(badId.status).toBe(400);
    expect(await badId.json()).toMatchObject({ error: { code: 'invalid_request' } });
    const anonymous = await refresh(signed, roomKey, randomRecordingId(), {});
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });
});
