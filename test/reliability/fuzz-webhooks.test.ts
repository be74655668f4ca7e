import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { Database } from 'firebase-admin/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  RECORDING_STATUSES,
  type RecordingStatus,
} from '../../common/recording/recording-status.js';
import { signWebhookBody } from '../../emulators/livekit/webhooks/webhook-signature.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import { adminDatabase } from './recording-guarantees.js';
import { expectControllerLogClean } from './secret-scan.js';
import { watchUnhandledErrors } from './unhandled-errors.js';

/**
 * Random webhook bodies, correctly signed (issue 14): a signature proves who sent an event, not
 * that it makes sense. Events name real records in every status, with random egress states,
 * files and times. The controller answers each with 200 or a JSON refusal, never crashes, and
 * moves records only forward.
 */

const RUNS = Number(process.env.FUZZ_WEBHOOK_RUNS ?? 2_000);

let stack: RecordingStack;
let controller: RunningController;
let admin: { db: Database; close(): Promise<void> };
const unhandled = watchUnhandledErrors();
const { roomUrl, roomKey } = RecordingStack.room();
const fixtures = RECORDING_STATUSES.map((status) => ({
  status,
  recordingId: randomBytes(15).toString('base64url'),
  egressId: `EG_${randomBytes(6).toString('hex')}`,
}));

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController({ LOG_LEVEL: 'info' });
  admin = adminDatabase(stack);
  await admin.db.ref().update(
    Object.fromEntries(
      fixtures.map(({ status, recordingId, egressId }) => [
        `recordings/${roomKey}/${recordingId}`,
        {
          roomUrl,
          requestedBy: 'alice',
          requestedAt: Date.now(),
          status,
          ...(status === 'requested' ? {} : { egressId }),
          ...(status === 'failed' ? { error: { code: 'egress_failed', message: 'fixture' } } : {}),
        },
      ]),
    ),
  );
});

afterAll(async () => {
  if (controller !== undefined) expectControllerLogClean(stack, controller);
  await admin?.close();
  await stack?.stop();
});

const EGRESS_STATUSES = [
  'EGRESS_STARTING',
  'EGRESS_ACTIVE',
  'EGRESS_ENDING',
  'EGRESS_COMPLETE',
  'EGRESS_FAILED',
  'EGRESS_ABORTED',
  'EGRESS_LIMIT_REACHED',
];

const fixture = fc.constantFrom(...fixtures);
const path = fc.oneof(
  fixture.map(({ recordingId }) => `/recordings/${roomKey}/${recordingId}.mp4`),
  fc.string({ maxLength: 60 }),
);
const nanos = fc.oneof(
  { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 19n }).map(String) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.string() },
);

const egressInfo = fc.record(
  {
    egressId: fc.oneof(
      fixture.map(({ egressId }) => egressId),
      fc.string({ maxLength: 20 }),
    ),
    roomName: fc.oneof(fc.constant(roomKey), fc.string({ maxLength: 20 })),
    status: fc.oneof(fc.constantFrom(...EGRESS_STATUSES), fc.integer({ min: -1, max: 12 })),
    roomComposite: fc.record({
      fileOutputs: fc.array(fc.record({ filepath: path }), { maxLength: 2 }),
    }),
    fileResults: fc.array(
      fc.record(
        { filename: path, location: path, size: nanos, duration: nanos },
        { requiredKeys: [] },
      ),
      { maxLength: 2 },
    ),
    startedAt: nanos,
    endedAt: nanos,
    error: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: [] },
);

const event = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record(
        {
          event: fc.oneof(
            fc.constantFrom('egress_started', 'egress_updated', 'egress_ended'),
            fc.constantFrom('room_started', 'participant_joined', 'track_published'),
            fc.string({ maxLength: 20 }),
          ),
          id: fc.string({ maxLength: 20 }),
          createdAt: nanos,
          egressInfo,
        },
        { requiredKeys: ['event'] },
      )
      .map((value) => JSON.stringify(value)),
  },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

const rank = (status: RecordingStatus) =>
  status === 'failed' || status === 'canceled' ? 99 : RECORDING_STATUSES.indexOf(status);

describe('random webhooks with valid signatures', () => {
  it(`are answered with 200 or a JSON refusal and move records only forward (${RUNS} events)`, async () => {
    const answers = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(event, async (body) => {
        const response = await controller.controller.app.inject({
          method: 'POST',
          url: '/webhooks/livekit',
          headers: {
            'content-type': 'application/webhook+json',
            authorization: signWebhookBody(body, stack.keys.apiKey, stack.keys.apiSecret),
          },
          payload: body,
        });
        const answer = response.json() as { received?: boolean; error?: { code: string } };
        const key = `${response.statusCode} ${answer.error?.code ?? 'received'}`;
        answers.set(key, (answers.get(key) ?? 0) + 1);
        expect(
          ['200 received', '400 invalid_webhook', '400 invalid_json'],
          `${key} for ${body}`,
        ).toContain(key);
      }),
      { numRuns: RUNS },
    );
    process.stdout.write(`fuzz-webhooks: ${JSON.stringify(Object.fromEntries(answers))}\n`);
    const records = (await admin.db.ref(`recordings/${roomKey}`).get()).val() as Record<
      string,
      { status: RecordingStatus }
    >;
    for (const { status, recordingId } of fixtures) {
      const now = records[recordingId]?.status;
      expect(now, `fixture that was ${status}`).toBeDefined();
      if (status === 'uploaded' || status === 'failed' || status === 'canceled') {
        expect(now).toBe(status);
      } else {
        expect(rank(now as RecordingStatus)).toBeGreaterThanOrEqual(rank(status));
      }
    }
    expect(unhandled()).toEqual([]);
  }, 240_000);
});
