import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '../../emulators/livekit/webhooks/webhook-signature.js';
import { hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';

let stack: RecordingStack;
let controller: RunningController;

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController();
});

afterAll(async () => {
  await stack?.stop();
});

async function recordOnce(fault: Parameters<typeof stack.livekit.controls.webhooks.addFault>[0]) {
  const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
  stack.livekit.controls.webhooks.addFault(fault);
  try {
    // Listening before the request is written: the controller may move it on at once.
    const recordingId = alice.nextRecordingId();
    const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
    await seen.ready;
    await alice.start(roomUrl, { recordingId });
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('recording'));
    await alice.stop(roomUrl, recordingId);
    const processing = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('processing'),
    );
    seen.stop();
    return { processing, statuses: seen.statuses };
  } finally {
    stack.livekit.controls.webhooks.clearFaults();
  }
}

describe('webhooks that arrive twice, out of order, or never', () => {
  it.each([
    ['duplicated', { kind: 'duplicate', times: 10 } as const],
    ['reordered', { kind: 'reorder', times: 10 } as const],
    [
      'all dropped (reconciliation alone finishes the record)',
      { kind: 'drop', times: 100 } as const,
    ],
    ['egress_ended dropped', { kind: 'drop', event: 'egress_ended' } as const],
  ])('still end in processing with the file result when %s', async (_name, fault) => {
    const { processing, statuses } = await recordOnce(fault);
    expect(processing.sizeBytes).toEqual(expect.any(Number));
    expect(statuses.at(-1)).toBe('processing');
    expect(statuses).not.toContain('failed');
    // Forward only: no status seen twice.
    expect(new Set(statuses).size).toBe(statuses.length);
  });
});

describe('POST /webhooks/livekit', () => {
  it('refuses a bad signature with 401 (whatever the body) and a signed malformed body with 400', async () => {
    const body = JSON.stringify({
      event: 'egress_ended',
      egressInfo: { egressId: 'EG_forged', status: 'EGRESS_COMPLETE' },
    });
    const forged = await fetch(`${controller.base}/webhooks/livekit`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: 'forged.jwt.value' },
      body,
    });
    expect(forged.status).toBe(401);
    expect((await forged.json()).error.code).toBe('invalid_signature');
    const unsigned = await fetch(`${controller.base}/webhooks/livekit`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json' },
      body,
    });
    expect(unsigned.status).toBe(401);
    // The signature is checked first: nothing of an unsigned body is read (docs/security.md).
    const malformedBody = JSON.stringify({ event: 42, egressInfo: 'nope' });
    const unsignedMalformed = await fetch(`${controller.base}/webhooks/livekit`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: 'x' },
      body: malformedBody,
    });
    expect(unsignedMalformed.status).toBe(401);
    const malformed = await fetch(`${controller.base}/webhooks/livekit`, {
      method: 'POST',
      headers: {
        'content-type': 'application/webhook+json',
        authorization: signWebhookBody(malformedBody, stack.keys.apiKey, stack.keys.apiSecret),
      },
      body: malformedBody,
    });
    expect(malformed.status).toBe(400);
  });
});
