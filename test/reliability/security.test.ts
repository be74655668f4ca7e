import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { get, ref, serverTimestamp, set, update as updateDatabase } from 'firebase/database';
import { TokenVerifier } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingUpdate } from '../../common/recording/recording-commands.js';
import { consentPath } from '../../common/recording/recording-paths.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { signAccessToken } from '../../emulators/livekit/auth/access-token.js';
import { signWebhookBody } from '../../emulators/livekit/webhooks/webhook-signature.js';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { PROJECT_ROOT } from '../support/controller-process.js';
import { signUpUser, unsignedIdToken } from '../support/firebase-users.js';
import {
  type Participant,
  RecordingStack,
  type RunningController,
} from '../support/recording-stack.js';
import { expectControllerLogClean } from './secret-scan.js';

/**
 * "No one recording who should not, nothing leaked" (issues 14 and 22; docs/security.md names
 * the attackers and which test replays each attack). Covered elsewhere, not repeated: the
 * database rules, allowed and denied for every rule and path, members and non-members
 * (test/rules/database-rules.test.ts); a start by someone not in the room
 * (test/recording-control/recording-lifecycle.test.ts); ID tokens expired, revoked, for another
 * project (test/controller/authentication.test.ts, test/http/route-bad-input.test.ts); unsigned
 * webhooks counted and limited (test/controller/egress/webhook-routes.test.ts); /health
 * (test/controller/health.test.ts); a planted upload sidecar
 * (test/file-pipeline/upload-recording.test.ts); names and closed rooms
 * (test/http/token-route.test.ts).
 */

let stack: RecordingStack;
let controller: RunningController;
const idTokens: string[] = [];
const livekitTokens: string[] = [];

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController({
    RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    RATE_LIMIT_PER_IDENTITY_PER_MINUTE: '100000',
  });
});

afterAll(async () => {
  if (controller !== undefined) {
    expectControllerLogClean(stack, controller, [...idTokens, ...livekitTokens]);
  }
  await stack?.stop();
});

async function signedInUser() {
  const user = await signUpUser();
  idTokens.push(user.idToken);
  return user;
}

/** Stops as soon as the refused stop's queue entry is gone (the rules allow one at a time). */
async function stopOnceAllowed(who: Participant, roomUrl: string, recordingId: string) {
  await expect
    .poll(async () =>
      who.stop(roomUrl, recordingId).then(
        () => true,
        () => false,
      ),
    )
    .toBe(true);
}

describe('stopping a recording', () => {
  it('is refused to a signed-in user who is not in the room, who cannot block a later stop either', async () => {
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
    const mallory = await stack.participant();
    // The rules cannot know who is in a LiveKit room: they accept the write, the controller judges.
    await mallory.stop(roomUrl, recordingId);
    const kept = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      (record) => record.stopRequestedBy === undefined || record.status !== 'recording',
    );
    expect(kept.status).toBe('recording');
    expect(kept.stopRequestedAt).toBeUndefined();
    // A participant of the room can still stop it: the outsider did not use up the one stop.
    const bob = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: bob.uid });
    await stopOnceAllowed(bob, roomUrl, recordingId);
    const processing = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('processing'),
    );
    expect(processing.stopRequestedBy).toBe(bob.uid);
  });

  it('is refused over HTTP to a signed-in user who is not in the room', async () => {
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
    const mallory = await signedInUser();
    const response = await fetch(`${controller.base}/recordings/stop`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${mallory.idToken}` },
      body: JSON.stringify({ roomUrl, recordingId }),
    });
    expect(response.status).toBeLessThan(500);
    const kept = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      (record) => record.stopRequestedBy === undefined || record.status !== 'recording',
    );
    expect(kept.status).toBe('recording');
    await stopOnceAllowed(alice, roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('processing'));
  });

  it('is granted to the one who started the recording, even after leaving the room', async () => {
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: 'someone-publishing' });
    stack.livekit.controls.rooms.setPublishing(roomKey, 'someone-publishing', true);
    stack.livekit.controls.rooms.removeParticipant(roomKey, alice.uid);
    await alice.stop(roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('processing'));
  });
});

describe('a signed-in stranger, who holds no token for the room (issue 22)', () => {
  const denied = (write: Promise<unknown>) => expect(write).rejects.toThrow(/permission.denied/i);

  it("reads none of the room's records, by the database, GET /recordings or a download link (hole 3)", async () => {
    const { roomUrl, roomKey, recordingId } = await stack.recordingInNewRoom();
    const mallory = await stack.participant();
    await denied(get(ref(mallory.db, `recordings/${roomKey}`)));
    await denied(get(ref(mallory.db, `rooms/${roomKey}`)));
    const stranger = await signedInUser();
    const auth = { authorization: `Bearer ${stranger.idToken}` };
    const list = await fetch(
      `${controller.base}/recordings?roomUrl=${encodeURIComponent(roomUrl)}`,
      { headers: auth },
    );
    expect(list.status).toBe(403);
    expect((await list.json()).error.code).toBe('not_a_member');
    const link = await fetch(
      `${controller.base}/recordings/${roomKey}/${recordingId}/download-url`,
      { method: 'POST', headers: auth },
    );
    expect(link.status).toBe(403);
    expect((await link.json()).error.code).toBe('not_a_member');
  });

  it('cannot plant records in a room through a start command naming a room of their own (hole 2)', async () => {
    const { roomKey: victimKey, alice } = await stack.publisherInNewRoom();
    const mallory = await stack.participant();
    const decoy = RecordingStack.room();
    await mallory.join(decoy.roomKey);
    await mallory.join(victimKey);
    const id = mallory.nextRecordingId();
    const update = startRecordingUpdate({
      roomUrl: decoy.roomUrl,
      recordingId: id,
      uid: mallory.uid,
      serverTime: serverTimestamp(),
    });
    await denied(
      updateDatabase(ref(mallory.db), {
        ...update,
        [`recordings/${victimKey}/${id}`]: {
          ...(update[`recordings/${decoy.roomKey}/${id}`] as object),
          roomUrl: decoy.roomUrl,
        },
      }),
    );
    await alice.join(victimKey);
    expect((await get(ref(alice.db, `recordings/${victimKey}`))).exists()).toBe(false);
  });

  it('cannot write more than one command in one update (hole 4)', async () => {
    const mallory = await stack.participant();
    const rooms = [RecordingStack.room(), RecordingStack.room(), RecordingStack.room()];
    for (const room of rooms) await mallory.join(room.roomKey);
    const update = Object.assign(
      {},
      ...rooms.map((room) =>
        startRecordingUpdate({
          roomUrl: room.roomUrl,
          recordingId: mallory.nextRecordingId(),
          uid: mallory.uid,
          serverTime: serverTimestamp(),
        }),
      ),
    );
    await denied(updateDatabase(ref(mallory.db), update));
  });

  it("adds no consent receipt to another room's recording (hole 9)", async () => {
    const { roomKey, recordingId } = await stack.recordingInNewRoom();
    const mallory = await stack.participant();
    await denied(
      set(ref(mallory.db, consentPath(roomKey, recordingId, mallory.uid)), serverTimestamp()),
    );
  });
});

describe("another project's users", () => {
  it('read nothing and start nothing: an ID token for another Firebase project is refused on every data route', async () => {
    const outsider = unsignedIdToken({
      aud: 'demo-another-project',
      iss: 'https://securetoken.google.com/demo-another-project',
    });
    const { roomUrl } = RecordingStack.room();
    for (const [method, url, body] of [
      ['GET', `/recordings?roomUrl=${encodeURIComponent(roomUrl)}`, undefined],
      ['POST', '/recordings/start', { roomUrl }],
      ['POST', '/recordings/stop', { roomUrl }],
      ['POST', '/token', { roomUrl }],
    ] as const) {
      const response = await controller.controller.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${outsider}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
      expect(response.statusCode, url).toBe(401);
      expect(response.json(), url).toEqual({
        error: { code: 'invalid_id_token', message: expect.any(String) },
      });
    }
  });
});

describe('POST /token', () => {
  it('grants exactly the room asked for, never admin, recording or room creation (300 random bodies)', async () => {
    const apiKey = controller.config.control.apiKey;
    const verifier = new TokenVerifier(stack.keys.apiKey, stack.keys.apiSecret);
    const user = await signedInUser();
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            roomUrl: fc.oneof(fc.webUrl(), fc.string({ maxLength: 200 })),
            name: fc.string({ maxLength: 140 }),
            identity: fc.string({ minLength: 1, maxLength: 140 }),
            room: fc.string(),
            grants: fc.constant({ roomAdmin: true, roomRecord: true, roomCreate: true }),
            video: fc.constant({ roomAdmin: true, room: '' }),
          },
          { requiredKeys: ['roomUrl'] },
        ),
        fc.boolean(),
        async (body, asUser) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          if (asUser) headers.authorization = `Bearer ${user.idToken}`;
          else headers['x-api-key'] = apiKey;
          const response = await controller.controller.app.inject({
            method: 'POST',
            url: '/token',
            headers,
            payload: JSON.stringify(body),
          });
          const answer = response.json();
          if (response.statusCode !== 200) {
            expect(response.statusCode).toBe(400);
            expect(answer.error.code).toMatch(/^[a-z_]+$/);
            return;
          }
          livekitTokens.push(answer.token);
          const claims = await verifier.verify(answer.token);
          expect(claims.video).toEqual({
            roomJoin: true,
            room: roomKeyFromUrl(body.roomUrl),
            canPublish: true,
            canSubscribe: true,
            canPublishData: true,
          });
          expect(claims.sub).toBe(asUser ? user.uid : body.identity);
          expect(answer.room).toBe(roomKeyFromUrl(body.roomUrl));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('POST /webhooks/livekit', () => {
  const webhookBody = () =>
    JSON.stringify({
      event: 'egress_ended',
      id: 'EV_replayed',
      createdAt: '1',
      egressInfo: {
        egressId: 'EG_replayed',
        roomName: roomKeyFromUrl('https://app.example.com/room/replay'),
        status: 'EGRESS_COMPLETE',
      },
    });

  it('refuses a replayed event whose signature has expired', async () => {
    const body = webhookBody();
    const sha256 = (await import('node:crypto'))
      .createHash('sha256')
      .update(body, 'utf8')
      .digest('base64');
    const longAgo = Math.floor(Date.now() / 1000) - 3600;
    const expired = signAccessToken(
      { iss: stack.keys.apiKey, iat: longAgo, nbf: longAgo, exp: longAgo + 300, sha256 },
      stack.keys.apiSecret,
    );
    const response = await fetch(`${controller.base}/webhooks/livekit`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: expired },
      body,
    });
    expect(response.status).toBe(401);
    expect((await response.json()).error.code).toBe('invalid_signature');
  });

  it('refuses a signature made with another key, and a body changed after signing', async () => {
    const body = webhookBody();
    const otherKey = signWebhookBody(body, stack.keys.apiKey, 'not-the-secret-at-all');
    const tampered = signWebhookBody(body.replace('EG_replayed', 'EG_other00'), ...keys());
    for (const authorization of [otherKey, tampered]) {
      const response = await fetch(`${controller.base}/webhooks/livekit`, {
        method: 'POST',
        headers: { 'content-type': 'application/webhook+json', authorization },
        body,
      });
      expect(response.status).toBe(401);
    }
  });

  it('keeps nothing of an unsigned body: 60 KB event names never reach /metrics (issue 22, hole 1)', async () => {
    const names = Array.from({ length: 20 }, () => `e${randomBytes(30_000).toString('hex')}`);
    for (const event of names) {
      const response = await fetch(`${controller.base}/webhooks/livekit`, {
        method: 'POST',
        headers: { 'content-type': 'application/webhook+json' },
        body: JSON.stringify({ event, id: 'EV_flood' }),
      });
      expect(response.status).toBe(401);
    }
    const metrics = await fetch(`${controller.base}/metrics`, {
      headers: { 'x-api-key': controller.config.control.apiKey },
    });
    const text = await metrics.text();
    for (const event of names) expect(text.includes(event.slice(0, 40))).toBe(false);
    expect(text).toMatch(
      /recorder_webhooks_total\{event="unknown",verification="invalid_signature"\} \d+/,
    );
  });

  const keys = (): [string, string] => [stack.keys.apiKey, stack.keys.apiSecret];
});

describe('the API key comparison', () => {
  it('hashes both sides to equal-length digests and compares them with crypto.timingSafeEqual', async () => {
    const source = await readFile(join(PROJECT_ROOT, 'controller/http/authentication.ts'), 'utf8');
    expect(source).toMatch(
      /const digest = \(value: string\) => createHash\('sha256'\)\.update\(value, 'utf8'\)\.digest\(\);/,
    );
    expect(source).toMatch(
      /export function apiKeyMatches\(expected: string, presented: string\): boolean \{\s*return timingSafeEqual\(digest\(expected\), digest\(presented\)\);\s*\}/,
    );
  });

  it('is the only place the controller compares the API key', async () => {
    const { readdir } = await import('node:fs/promises');
    const files = (await readdir(join(PROJECT_ROOT, 'controller'), { recursive: true })).filter(
      (name) => name.endsWith('.ts'),
    );
    for (const name of files) {
      const source = await readFile(join(PROJECT_ROOT, 'controller', name), 'utf8');
      // Any ===/!== or startsWith against a key or header value would leak timing.
      expect(source, name).not.toMatch(
        /apiKey\s*[!=]==\s*(?!undefined\b|null\b)\w|[!=]==\s*\S*apiKey\b/,
      );
      expect(source, name).not.toMatch(/\['x-api-key'\]\s*[!=]==/);
    }
  });
});
