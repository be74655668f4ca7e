import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAST_FILES, hasStatus, isSettled } from '../file-pipeline/file-pipeline-support.js';
import { signUpUser } from '../support/firebase-users.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import { type Exposition, readExposition } from './prometheus-text.js';

let stack: RecordingStack;
let controller: RunningController;

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
  controller = await stack.startController();
});

afterAll(async () => {
  await stack?.stop();
});

async function scrape(target = controller): Promise<Exposition> {
  const response = await fetch(`${target.base}/metrics`, {
    headers: { 'x-api-key': target.config.control.apiKey },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return readExposition(await response.text());
}

const P = 'recorder_';
const counter = (exposition: Exposition, name: string, labels?: Record<string, string>) =>
  exposition.value(`${P}${name}`, labels) ?? 0;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('GET /metrics', () => {
  it('refuses a request without credentials (401) and one with an ID token (403)', async () => {
    const anonymous = await fetch(`${controller.base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthenticated' } });
    const user = await signUpUser();
    const withToken = await fetch(`${controller.base}/metrics`, {
      headers: { authorization: `Bearer ${user.idToken}` },
    });
    expect(withToken.status).toBe(403);
    expect(await withToken.json()).toMatchObject({ error: { code: 'forbidden' } });
    const wrongKey = await fetch(`${controller.base}/metrics`, {
      headers: { 'x-api-key': 'not-the-key' },
    });
    expect(wrongKey.status).toBe(401);
  });

  it('answers Prometheus text whose every line parses, with event-loop lag and RSS', async () => {
    const exposition = await scrape();
    expect(exposition.types.get('nodejs_eventloop_lag_seconds')).toBe('gauge');
    expect(exposition.value('process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const [name, type] of [
      ['recordings_active', 'gauge'],
      ['recording_transitions_total', 'counter'],
      ['commands_total', 'counter'],
      ['commands_rejected_total', 'counter'],
      ['webhooks_total', 'counter'],
      ['upload_bytes_total', 'counter'],
      ['upload_retries_total', 'counter'],
      ['upload_duration_seconds', 'histogram'],
      ['reconcile_runs_total', 'counter'],
      ['reconcile_corrections_total', 'counter'],
      ['recordings_deleted_total', 'counter'],
    ]) {
      expect(exposition.types.get(`${P}${name}`), name).toBe(type);
    }
  });

  it('moves its counters as a recording runs from start to uploaded', async () => {
    const before = await scrape();
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();

    // The controller counts once its own write returns, a moment after the client sees it.
    await expect
      .poll(async () => counter(await scrape(), 'recordings_active', { status: 'recording' }))
      .toBe(1);
    await expect
      .poll(async () =>
        counter(await scrape(), 'commands_total', { action: 'start', outcome: 'executed' }),
      )
      .toBe(counter(before, 'commands_total', { action: 'start', outcome: 'executed' }) + 1);
    await expect
      .poll(async () =>
        counter(await scrape(), 'webhooks_total', {
          event: 'egress_updated',
          verification: 'valid',
        }),
      )
      .toBeGreaterThan(
        counter(before, 'webhooks_total', { event: 'egress_updated', verification: 'valid' }),
      );

    await alice.stop(roomUrl, recordingId);
    const uploaded = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
    expect(uploaded.status).toBe('uploaded');
    await expect
      .poll(async () =>
        counter(await scrape(), 'recording_transitions_total', { status: 'uploaded' }),
      )
      .toBeGreaterThan(counter(before, 'recording_transitions_total', { status: 'uploaded' }));
    const after = await scrape();
    expect(counter(after, 'recordings_active', { status: 'recording' })).toBe(0);
    expect(counter(after, 'commands_total', { action: 'stop', outcome: 'executed' })).toBe(
      counter(before, 'commands_total', { action: 'stop', outcome: 'executed' }) + 1,
    );
    for (const status of ['starting', 'recording', 'uploading', 'uploaded']) {
      expect(counter(after, 'recording_transitions_total', { status }), status).toBeGreaterThan(
        counter(before, 'recording_transitions_total', { status }),
      );
    }
    expect(counter(after, 'upload_bytes_total')).toBe(
      counter(before, 'upload_bytes_total') + Number(uploaded.sizeBytes),
    );
    expect(counter(after, 'upload_duration_seconds_count')).toBe(
      counter(before, 'upload_duration_seconds_count') + 1,
    );
    await expect
      .poll(async () => counter(await scrape(), 'reconcile_runs_total'))
      .toBeGreaterThan(counter(before, 'reconcile_runs_total'));
  });

  it('counts a webhook with a bad signature and a start refused with not_in_room', async () => {
    const before = await scrape();
    const forged = await fetch(`${controller.base}/webhooks/livekit`, {
      method: 'POST',
      headers: { 'content-type': 'application/webhook+json', authorization: 'forged' },
      body: JSON.stringify({ event: 'egress_ended', id: 'EV_forged' }),
    });
    expect(forged.status).toBe(401);

    const { roomUrl, roomKey } = RecordingStack.room();
    const outsider = await stack.participant();
    const recordingId = await outsider.start(roomUrl);
    await stack.waitForRecord(outsider.db, roomKey, recordingId, hasStatus('failed'));

    const refusal = { action: 'start', code: 'not_in_room' };
    await expect
      .poll(async () => counter(await scrape(), 'commands_rejected_total', refusal))
      .toBe(counter(before, 'commands_rejected_total', refusal) + 1);
    const after = await scrape();
    // Nothing of an unsigned body is read, its event name included.
    const forgedLabels = { event: 'unknown', verification: 'invalid_signature' };
    expect(counter(after, 'webhooks_total', forgedLabels)).toBe(
      counter(before, 'webhooks_total', forgedLabels) + 1,
    );
    expect(counter(after, 'recording_failures_total', { code: 'not_in_room' })).toBe(
      counter(before, 'recording_failures_total', { code: 'not_in_room' }) + 1,
    );
  });

  it('counts a correction when reconciliation catches up with a lost webhook', async () => {
    const before = await scrape();
    stack.livekit.controls.webhooks.addFault({ kind: 'drop', event: 'egress_updated' });
    // Without its egress_updated (ACTIVE), only the reconciler's ListEgress moves it on.
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
    await expect
      .poll(async () => counter(await scrape(), 'reconcile_corrections_total'))
      .toBeGreaterThan(counter(before, 'reconcile_corrections_total'));
    await alice.stop(roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled);
  });

  it('is served without the key on METRICS_PORT, from a registry of each controller its own', async () => {
    const first = await scrape();
    const second = await stack.startController({ METRICS_PORT: String(await freePort()) });
    const url = second.controller.metricsUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    const own = readExposition(await response.text());
    // The same process, two registries: the newcomer has counted nothing the first one did.
    expect(
      counter(first, 'commands_total', { action: 'start', outcome: 'executed' }),
    ).toBeGreaterThan(0);
    expect(counter(own, 'commands_total', { action: 'start', outcome: 'executed' })).toBe(0);
    expect((await fetch(`${url}/health`)).status).toBe(404);
    await second.stop();
  });
});
