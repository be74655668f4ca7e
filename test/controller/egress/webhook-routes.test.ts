import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EgressSnapshot } from '../../../controller/egress/egress-snapshot.js';
import {
  type WebhookEventLabel,
  type WebhookVerification,
  webhookRoutes,
} from '../../../controller/egress/webhook-routes.js';
import { signWebhookBody } from '../../../emulators/livekit/webhooks/webhook-signature.js';
import { startTestServer, type TestServer } from '../../support/test-server.js';

const FAILURES_PER_MINUTE = 5;

let server: TestServer;
let received: [WebhookEventLabel, WebhookVerification][];
let applied: EgressSnapshot[];

beforeEach(async () => {
  received = [];
  applied = [];
  server = await startTestServer({ RATE_LIMIT_PER_IP_PER_MINUTE: String(FAILURES_PER_MINUTE) });
  await server.app.register(webhookRoutes, {
    apiKey: server.config.livekit.webhookApiKey,
    apiSecret: server.config.livekit.webhookApiSecret,
    onReceived: (event, verification) => received.push([event, verification]),
    onEgress: async (egress) => {
      applied.push(egress);
    },
  });
});

afterEach(async () => {
  await server.close();
});

const post = (body: string, authorization?: string) =>
  server.app.inject({
    method: 'POST',
    url: '/webhooks/livekit',
    headers: {
      'content-type': 'application/webhook+json',
      ...(authorization === undefined ? {} : { authorization }),
    },
    payload: body,
  });

const signed = (body: string) =>
  signWebhookBody(
    body,
    server.config.livekit.webhookApiKey,
    server.config.livekit.webhookApiSecret,
  );

describe('POST /webhooks/livekit from an unsigned caller', () => {
  it('names no event from the body in what it counts, and refuses an address past its limit with 429', async () => {
    const statuses: number[] = [];
    for (let attempt = 0; attempt < FAILURES_PER_MINUTE + 2; attempt += 1) {
      const event = `egress_${randomBytes(2048).toString('hex')}`;
      const body = JSON.stringify({ event, id: 'EV_flood' });
      const answer = await post(body, attempt % 2 === 0 ? undefined : 'not.a.jwt');
      statuses.push(answer.statusCode);
      expect(answer.body).not.toContain(event);
    }
    expect(statuses).toEqual([...Array(FAILURES_PER_MINUTE).fill(401), ...Array(2).fill(429)]);
    expect(new Set(received.map(([event]) => event))).toEqual(new Set(['unknown']));
    expect(received.map(([, verification]) => verification)).toEqual([
      ...Array(FAILURES_PER_MINUTE).fill('invalid_signature'),
      ...Array(2).fill('rate_limited'),
    ]);
    expect(server.log.text).not.toContain('egress_');
  });

  it('still takes signed webhooks from an address past its failure limit', async () => {
    for (let attempt = 0; attempt <= FAILURES_PER_MINUTE; attempt += 1) await post('{}', 'forged');
    const body = JSON.stringify({ event: 'room_started', id: 'EV_ok' });
    const answer = await post(body, signed(body));
    expect(answer.statusCode).toBe(200);
    for (let attempt = 0; attempt < FAILURES_PER_MINUTE * 2; attempt += 1) {
      expect((await post(body, signed(body))).statusCode).toBe(200);
    }
  });
});

describe('POST /webhooks/livekit, signed', () => {
  it('counts an event of a name LiveKit does not send as other', async () => {
    const body = JSON.stringify({ event: `made_up_${randomBytes(8).toString('hex')}`, id: 'EV_x' });
    expect((await post(body, signed(body))).statusCode).toBe(200);
    expect(received).toEqual([['other', 'valid']]);
  });

  it('refuses an egressId that is not LiveKit-shaped (it names a file when a recording goes)', async () => {
    for (const egressId of ['../../x', 'EG_../../x', 'EG_a/b', '', 'EG_']) {
      const body = JSON.stringify({
        event: 'egress_ended',
        id: 'EV_path',
        egressInfo: { egressId, roomName: 'room', status: 'EGRESS_COMPLETE' },
      });
      const answer = await post(body, signed(body));
      expect(answer.statusCode, egressId).toBe(400);
      expect(answer.json().error.code).toBe('invalid_webhook');
    }
    expect(applied).toEqual([]);
    const body = JSON.stringify({
      event: 'egress_ended',
      id: 'EV_ok',
      egressInfo: { egressId: 'EG_a1B2c3D4e5F6', roomName: 'room', status: 'EGRESS_COMPLETE' },
    });
    expect((await post(body, signed(body))).statusCode).toBe(200);
    expect(applied.map((egress) => egress.egressId)).toEqual(['EG_a1B2c3D4e5F6']);
  });
});
