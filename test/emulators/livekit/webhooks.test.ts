import { createHash } from 'node:crypto';
import { EncodedFileOutput } from '@livekit/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture | undefined;

afterEach(async () => {
  await lk?.close();
  lk = undefined;
});

async function fixture(overrides: Parameters<typeof startLivekitFixture>[0] = {}) {
  lk = await startLivekitFixture(overrides);
  return lk;
}

/** Drives one room through every event kind the emulator sends. */
async function fullSession(f: LivekitFixture): Promise<string> {
  const room = f.roomName();
  await f.rooms.createRoom({ name: room, departureTimeout: 1 });
  f.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
  f.emulator.controls.rooms.setPublishing(room, 'alice', true);
  const started = await f.egress.startRoomCompositeEgress(room, {
    file: new EncodedFileOutput({ filepath: `${f.outputDir}/${room}.mp4` }),
  });
  await f.inbox.next('egress_updated', started.egressId);
  await f.egress.stopEgress(started.egressId);
  await f.inbox.next('egress_ended', started.egressId);
  f.emulator.controls.rooms.setPublishing(room, 'alice', false);
  f.emulator.controls.rooms.removeParticipant(room, 'alice');
  await f.inbox.next('room_finished', room);
  return room;
}

describe('webhook delivery', () => {
  it('sends every event kind, each accepted by WebhookReceiver.receive', async () => {
    const f = await fixture();
    await fullSession(f);
    const names = new Set<string>();
    for (const delivery of f.inbox.deliveries) {
      const event = await f.receiver.receive(delivery.body, delivery.authorization);
      expect(event.id).toMatch(/^EV_/);
      expect(event.createdAt).toBeGreaterThan(0n);
      names.add(event.event);
    }
    expect([...names].sort()).toEqual(
      [
        'room_started',
        'room_finished',
        'participant_joined',
        'participant_left',
        'track_published',
        'track_unpublished',
        'egress_started',
        'egress_updated',
        'egress_ended',
      ].sort(),
    );
  });

  it('posts protojson without zero values, signed with the body hash and no Bearer prefix', async () => {
    const f = await fixture();
    const room = f.roomName();
    await f.rooms.createRoom({ name: room });
    f.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    f.emulator.controls.rooms.setPublishing(room, 'alice', true);
    const started = await f.egress.startRoomCompositeEgress(room, {
      file: new EncodedFileOutput({ filepath: `${f.outputDir}/${room}.mp4` }),
    });
    const delivery = await f.inbox.next('egress_started', started.egressId);
    expect(delivery.contentType).toBe('application/webhook+json');
    expect(delivery.userAgent).toBe('LiveKit');
    expect(delivery.authorization).not.toMatch(/^Bearer /);
    const claims = JSON.parse(
      Buffer.from(delivery.authorization?.split('.')[1] ?? '', 'base64url').toString(),
    );
    expect(claims.iss).toBe(f.apiKey);
    expect(claims.sha256).toBe(createHash('sha256').update(delivery.body).digest('base64'));
    const body = JSON.parse(delivery.body);
    // STARTING is the zero value, so protojson leaves `status` out.
    expect(body.egressInfo).not.toHaveProperty('status');
    expect(body.egressInfo.egressId).toBe(started.egressId);
    expect(body.room).toEqual({ sid: started.roomId, name: room });
    await f.egress.stopEgress(started.egressId);
    await f.inbox.next('egress_ended', started.egressId);
  });

  it('describes track events with the short room and participant livekit-server sends', async () => {
    const f = await fixture();
    const room = f.roomName();
    f.emulator.controls.rooms.addParticipant(room, { identity: 'alice', name: 'Alice' });
    f.emulator.controls.rooms.setPublishing(room, 'alice', true);
    const joined = JSON.parse((await f.inbox.next('participant_joined', room)).body);
    expect(joined.participant).toMatchObject({ identity: 'alice', name: 'Alice', state: 'ACTIVE' });
    const published = JSON.parse((await f.inbox.next('track_published', room)).body);
    expect(published.room).toEqual({ sid: joined.room.sid, name: room });
    expect(published.participant).toEqual({ sid: joined.participant.sid, identity: 'alice' });
    expect(published.track).toMatchObject({ type: 'VIDEO', source: 'CAMERA' });
  });

  it('is rejected by WebhookReceiver when the body was tampered with', async () => {
    const f = await fixture();
    await f.rooms.createRoom({ name: f.roomName() });
    const delivery = await f.inbox.next('room_started');
    const tampered = delivery.body.replace('room_started', 'room_finished');
    await expect(f.receiver.receive(tampered, delivery.authorization)).rejects.toThrow(
      'sha256 checksum of body does not match',
    );
  });

  it('retries after 5xx answers and network errors until the receiver accepts', async () => {
    const f = await fixture();
    const failures: (number | 'reset')[] = [503, 'reset', 502];
    f.inbox.answerWith(() => failures.shift() ?? 200);
    const room = f.roomName();
    await f.rooms.createRoom({ name: room });
    const all = await f.inbox.waitFor((d) => d.length === 4);
    expect(all.map((d) => d.event)).toEqual(Array(4).fill('room_started'));
    expect(new Set(all.map((d) => d.body)).size).toBe(1);
  });

  it('does not retry a 4xx answer', async () => {
    const f = await fixture();
    f.inbox.answerWith((delivery) => (delivery.event === 'room_started' ? 400 : 200));
    const room = f.roomName();
    await f.rooms.createRoom({ name: room });
    f.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    await f.inbox.next('participant_joined');
    expect(f.inbox.events()).toEqual(['room_started', 'participant_joined']);
  });

  it('keeps each resource in order while another resource waits on retries', async () => {
    const f = await fixture({ webhookRetryDelaysMs: [1_500] });
    const slow = f.roomName('slow');
    const fast = f.roomName('fast');
    let failedOnce = false;
    f.inbox.answerWith((delivery) => {
      if (delivery.event === 'room_started' && delivery.body.includes(slow) && !failedOnce) {
        failedOnce = true;
        return 500;
      }
      return 200;
    });
    await f.rooms.createRoom({ name: slow });
    f.emulator.controls.rooms.addParticipant(slow, { identity: 'a' });
    await f.rooms.createRoom({ name: fast });
    const all = await f.inbox.waitFor(
      (deliveries) => deliveries.filter((d) => d.body.includes(slow)).length === 3,
    );
    const slowEvents = all.filter((d) => d.body.includes(slow)).map((d) => d.event);
    expect(slowEvents).toEqual(['room_started', 'room_started', 'participant_joined']);
    const fastIndex = all.findIndex((d) => d.body.includes(fast));
    const slowJoinIndex = all.findIndex(
      (d) => d.body.includes(slow) && d.event === 'participant_joined',
    );
    expect(fastIndex).toBeLessThan(slowJoinIndex);
  });

  it('drops an event that waited longer than the queue age limit', async () => {
    const f = await fixture({ webhookRetryDelaysMs: [400, 400, 400], webhookMaxQueuedMs: 300 });
    let failing = true;
    f.inbox.answerWith((delivery) => (failing && delivery.event === 'room_started' ? 500 : 200));
    const room = f.roomName();
    await f.rooms.createRoom({ name: room });
    f.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    f.emulator.controls.rooms.setPublishing(room, 'alice', true);
    await f.inbox.waitFor((all) => all.filter((d) => d.event === 'room_started').length === 4);
    failing = false;
    // The queue moves on only after the retries, by when the later events are too old.
    f.emulator.controls.rooms.setPublishing(room, 'alice', false);
    await f.inbox.next('track_unpublished');
    expect(f.inbox.events()).not.toContain('participant_joined');
    expect(f.inbox.events()).not.toContain('track_published');
  });
});

describe('webhook fault switches', () => {
  it('drops the next matching event', async () => {
    const f = await fixture();
    f.emulator.controls.webhooks.addFault({ kind: 'drop', event: 'participant_joined' });
    const room = f.roomName();
    f.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    f.emulator.controls.rooms.removeParticipant(room, 'alice');
    await f.inbox.next('participant_left');
    expect(f.inbox.events()).toEqual(['room_started', 'participant_left']);
  });

  it('duplicates the next matching event', async () => {
    const f = await fixture();
    f.emulator.controls.webhooks.addFault({ kind: 'duplicate', event: 'room_started' });
    await f.rooms.createRoom({ name: f.roomName() });
    const all = await f.inbox.waitFor((d) => d.length === 2);
    expect(all[0]?.body).toBe(all[1]?.body);
  });

  it('reorders the next matching event after the following one of its resource', async () => {
    const f = await fixture();
    f.emulator.controls.webhooks.addFault({ kind: 'reorder', event: 'participant_joined' });
    const room = f.roomName();
    await f.rooms.createRoom({ name: room });
    f.emulator.controls.rooms.addParticipant(room, { identity: 'alice' });
    f.emulator.controls.rooms.setPublishing(room, 'alice', true);
    await f.inbox.waitFor((d) => d.length === 3);
    expect(f.inbox.events()).toEqual(['room_started', 'track_published', 'participant_joined']);
  });

  it('delays the next matching event, holding its queue while others flow', async () => {
    const f = await fixture();
    f.emulator.controls.webhooks.addFault({
      kind: 'delay',
      event: 'room_started',
      delayMs: 60_000,
    });
    const delayed = f.roomName('delayed');
    const other = f.roomName('other');
    await f.rooms.createRoom({ name: delayed });
    f.emulator.controls.rooms.addParticipant(delayed, { identity: 'alice' });
    await f.rooms.createRoom({ name: other });
    await f.inbox.next('room_started', other);
    expect(f.inbox.events((d) => d.body.includes(delayed))).toEqual([]);
  });
});
