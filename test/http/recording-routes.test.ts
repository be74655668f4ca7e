import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAST_FILES,
  hasStatus,
  sha256,
  sha256OfFile,
} from '../file-pipeline/file-pipeline-support.js';
import { signUpUser } from '../support/firebase-users.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';

let stack: RecordingStack;
let controller: RunningController;
let apiKey: string;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
  controller = await stack.startController();
  apiKey = controller.config.control.apiKey;
});

afterAll(async () => {
  await stack?.stop();
});

/** The fields the recording routes answer with. */
interface ResponseBody {
  readonly recordingId: string;
  readonly roomKey?: string;
  readonly status?: string;
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
  readonly recordings: readonly { readonly recordingId: string }[];
  readonly nextBefore?: string;
}

async function call(method: string, path: string, body: unknown, headers: Record<string, string>) {
  const response = await fetch(`${controller.base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as ResponseBody };
}

/** A signed-in user who took a token for the room, and so is one of its members. */
async function memberOf(roomUrl: string) {
  const user = await signUpUser();
  const auth = { authorization: `Bearer ${user.idToken}` };
  expect((await call('POST', '/token', { roomUrl }, auth)).status).toBe(200);
  return { ...user, auth };
}

describe('POST /recordings/start and /recordings/stop', () => {
  it('start and stop over HTTP reach uploaded exactly as commands from a client do', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const user = await memberOf(roomUrl);
    const viewer = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: user.uid });
    stack.livekit.controls.rooms.setPublishing(roomKey, user.uid, true);
    const { auth } = user;

    const started = await call('POST', '/recordings/start?wait=started', { roomUrl }, auth);
    expect(started.status).toBe(202);
    expect(started.body).toMatchObject({ roomKey, status: 'starting' });
    const { recordingId } = started.body;
    const seen = stack.watchStatuses(viewer.db, roomKey, recordingId);
    await stack.waitForRecord(viewer.db, roomKey, recordingId, hasStatus('recording'));

    const stopped = await call('POST', '/recordings/stop', { roomUrl }, auth);
    expect(stopped).toEqual({ status: 202, body: { recordingId, roomKey, status: 'recording' } });
    const uploaded = await stack.waitForRecord(
      viewer.db,
      roomKey,
      recordingId,
      hasStatus('uploaded'),
    );
    seen.stop();
    expect(uploaded).toMatchObject({ requestedBy: user.uid, stopRequestedBy: user.uid, roomUrl });
    expect(seen.statuses).toContain('processing');
    expect(seen.statuses.slice(-2)).toEqual(['uploading', 'uploaded']);
    // The link everyone in the room sees serves exactly the recorded file.
    const download = await fetch(String(uploaded.downloadUrl));
    expect(download.status).toBe(200);
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(
      await sha256OfFile(join(stack.outputDir, roomKey, `${recordingId}.mp4`)),
    );

    const again = await call('POST', '/recordings/stop', { roomUrl, recordingId }, auth);
    expect(again.status).toBe(409);
  });

  it('answers 409 with the active recording when the room is already being recorded', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: 'bot' });
    stack.livekit.controls.rooms.setPublishing(roomKey, 'bot', true);
    const first = await call(
      'POST',
      '/recordings/start?wait=started',
      { roomUrl, identity: 'bot' },
      { 'x-api-key': apiKey },
    );
    expect(first.body.status).toBe('starting');
    const viewer = await stack.participant();
    await stack.waitForLock(
      viewer.db,
      roomKey,
      (lock) => lock?.recordingId === first.body.recordingId,
    );
    const second = await call(
      'POST',
      '/recordings/start',
      { roomUrl, identity: 'bot' },
      { 'x-api-key': apiKey },
    );
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('already_recording');
    expect(second.body.error.message).toContain(first.body.recordingId);
    expect(second.body.error.details).toEqual({
      activeRecording: { recordingId: first.body.recordingId, status: expect.any(String) },
    });
  });

  it('answers 404 to a stop in a room with no active recording', async () => {
    const { roomUrl } = RecordingStack.room();
    const response = await call(
      'POST',
      '/recordings/stop',
      { roomUrl, identity: 'bot' },
      { 'x-api-key': apiKey },
    );
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('no_active_recording');
    const unknown = await call(
      'POST',
      '/recordings/stop',
      { roomUrl, identity: 'bot', recordingId: '-OabcdefghijklmnopqR' },
      { 'x-api-key': apiKey },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('recording_not_found');
  });

  it('reports the failure with ?wait=started when the requester is not in the room', async () => {
    const { roomUrl } = RecordingStack.room();
    const user = await memberOf(roomUrl);
    const response = await call('POST', '/recordings/start?wait=started', { roomUrl }, user.auth);
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ status: 'failed', error: { code: 'not_in_room' } });
  });

  it.each([
    ['no credentials', {}, { roomUrl: 'https://x.io/r' }, 401],
    ['a wrong key', { 'x-api-key': 'nope' }, { roomUrl: 'https://x.io/r', identity: 'bot' }, 401],
    ['a missing roomUrl', 'key', { identity: 'bot' }, 400],
    [
      'an over-long roomUrl',
      'key',
      { roomUrl: `https://x.io/${'a'.repeat(300)}`, identity: 'bot' },
      400,
    ],
    ['an unknown field', 'key', { roomUrl: 'https://x.io/r', identity: 'bot', force: true }, 400],
    ['a missing identity with the API key', 'key', { roomUrl: 'https://x.io/r' }, 400],
  ])('refuses %s', async (_name, headers, body, status) => {
    const resolved =
      headers === 'key' ? { 'x-api-key': apiKey } : (headers as Record<string, string>);
    const response = await call('POST', '/recordings/start', body, resolved);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toEqual(expect.any(String));
  });
});

describe('GET /recordings', () => {
  it("lists a room's records newest first, a page at a time", async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) ids.push(await alice.start(roomUrl));
    for (const id of ids) await stack.waitForRecord(alice.db, roomKey, id, hasStatus('failed'));
    const { auth } = await memberOf(roomUrl);
    const query = `roomUrl=${encodeURIComponent(roomUrl)}`;
    const first = await call('GET', `/recordings?${query}&limit=3`, undefined, auth);
    expect(first.status).toBe(200);
    expect(first.body.recordings.map((record) => record.recordingId)).toEqual(
      ids.slice(2).reverse(),
    );
    const second = await call(
      'GET',
      `/recordings?${query}&limit=3&before=${first.body.nextBefore}`,
      undefined,
      auth,
    );
    expect(second.body.recordings.map((record) => record.recordingId)).toEqual(
      ids.slice(0, 2).reverse(),
    );
    expect(second.body.nextBefore).toBeUndefined();
  });

  it('refuses a missing roomUrl and an absurd limit', async () => {
    const missing = await call('GET', '/recordings', undefined, { 'x-api-key': apiKey });
    expect(missing.status).toBe(400);
    const absurd = await call(
      'GET',
      '/recordings?roomUrl=https%3A%2F%2Fx.io&limit=100000',
      undefined,
      { 'x-api-key': apiKey },
    );
    expect(absurd.status).toBe(400);
  });
});
