import { DisconnectReason } from '@livekit/protocol';
import { AccessToken, EncodedFileOutput } from 'livekit-server-sdk';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newMediaContext } from '../../support/chromium.js';
import {
  type ConnectOutcome,
  JoinPage,
  JoinPageServer,
  type PageSnapshot,
} from './support/join-page.js';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture;
let pages: JoinPageServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [lk, pages, browser] = await Promise.all([
    // Rooms must exist before a join, so that a token for another room is refused.
    startLivekitFixture({ autoCreateRooms: false }),
    JoinPageServer.start(),
    launchChromium({ fakeMedia: true }),
  ]);
});
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()));
});
afterAll(async () => {
  await browser?.close();
  await pages?.close();
  await lk?.close();
});

async function joinToken(
  room: string,
  identity: string,
  options: { secret?: string; ttl?: string } = {},
): Promise<string> {
  const token = new AccessToken(lk.apiKey, options.secret ?? lk.apiSecret, {
    identity,
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
  });
  token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
  return token.toJwt();
}

/** A tab in its own browser profile, as a second person on another machine. */
async function openPage(): Promise<JoinPage> {
  const context = await newMediaContext(browser);
  contexts.push(context);
  return JoinPage.open(context, pages.url);
}

async function newRoom(): Promise<string> {
  const room = lk.roomName();
  await lk.rooms.createRoom({ name: room });
  return room;
}

/** A page connected to `room` as `identity`; fails the test with the client's error otherwise. */
async function joined(room: string, identity: string): Promise<JoinPage> {
  const page = await openPage();
  const outcome = await page.connect(lk.emulator.url, await joinToken(room, identity));
  if ('error' in outcome)
    throw new Error(`${identity} could not connect: ${outcome.error.message}`);
  return page;
}

const remote = (snapshot: PageSnapshot, identity: string) =>
  snapshot.remotes.find((participant) => participant.identity === identity);

describe('livekit-client in Chromium against the emulator', () => {
  it('connects, publishes camera and microphone, and is seen with its tracks by a second page', async () => {
    const room = await newRoom();
    const alice = await joined(room, 'alice');
    await alice.waitFor('connected', (s) => s.state === 'connected');
    // The single-connection protocol, first try, no fallback.
    expect(alice.socketPaths).toEqual(['/rtc/v1']);
    await alice.publish();
    expect(
      (await alice.waitFor('2 local tracks', (s) => s.localTracks.length === 2)).localTracks,
    ).toEqual(expect.arrayContaining(['camera', 'microphone']));

    const bob = await joined(room, 'bob');
    const seen = await bob.waitFor(
      'alice with 2 tracks',
      (s) => remote(s, 'alice')?.tracks.length === 2,
    );
    expect(remote(seen, 'alice')?.tracks).toEqual(expect.arrayContaining(['camera', 'microphone']));
    await alice.waitFor('bob', (s) => remote(s, 'bob') !== undefined);

    const listed = await lk.rooms.listParticipants(room);
    expect(listed.map((p) => p.identity).sort()).toEqual(['alice', 'bob']);
    // The controller's idle rule and egress both count alice as a publisher.
    expect(listed.find((p) => p.identity === 'alice')?.isPublisher).toBe(true);
    expect(listed.find((p) => p.identity === 'bob')?.isPublisher).toBe(false);
    await lk.inbox.waitFor(
      (all) =>
        all.filter((d) => d.event === 'track_published' && d.body.includes(room)).length === 2,
    );
  });

  it('shows room.isRecording on every page while a room-composite egress is active', async () => {
    const room = await newRoom();
    const alice = await joined(room, 'alice');
    const bob = await joined(room, 'bob');
    await alice.publish();

    const egress = await lk.egress.startRoomCompositeEgress(
      room,
      new EncodedFileOutput({ filepath: `${lk.outputDir}/${room}.mp4` }),
    );
    await alice.waitFor('recording', (s) => s.isRecording);
    await bob.waitFor('recording', (s) => s.isRecording);

    await lk.egress.stopEgress(egress.egressId);
    await alice.waitFor('not recording', (s) => !s.isRecording);
    await bob.waitFor('not recording', (s) => !s.isRecording);
    // The recorder is hidden, as livekit's egress participant is.
    expect(
      remote(await bob.waitFor('alice', (s) => remote(s, 'alice') !== undefined), egress.egressId),
    ).toBeUndefined();
  });

  it('tells the others when a participant unpublishes and leaves, with the webhooks', async () => {
    const room = await newRoom();
    const alice = await joined(room, 'alice');
    await alice.publish();
    const bob = await joined(room, 'bob');
    await bob.waitFor('alice with 2 tracks', (s) => remote(s, 'alice')?.tracks.length === 2);

    await alice.unpublishCamera();
    const after = await bob.waitFor(
      'alice without camera',
      (s) => remote(s, 'alice')?.tracks.length === 1,
    );
    expect(remote(after, 'alice')?.tracks).toEqual(['microphone']);
    expect(JSON.parse((await lk.inbox.next('track_unpublished', room)).body).track).toMatchObject({
      source: 'CAMERA',
    });

    await alice.disconnect();
    await bob.waitFor('alice gone', (s) => remote(s, 'alice') === undefined);
    expect(
      JSON.parse((await lk.inbox.next('participant_left', room)).body).participant,
    ).toMatchObject({
      identity: 'alice',
    });
    expect((await lk.rooms.listParticipants(room)).map((p) => p.identity)).toEqual(['bob']);
  });

  it('also joins and publishes over /rtc, the two-connection protocol of older clients', async () => {
    const room = await newRoom();
    const page = await openPage();
    const outcome = await page.connect(lk.emulator.url, await joinToken(room, 'olga'), {
      singlePeerConnection: false,
    });
    expect(outcome).toHaveProperty('connectMs');
    expect(page.socketPaths).toEqual(['/rtc']);
    await page.publish();
    await page.waitFor('2 local tracks', (s) => s.localTracks.length === 2);
    expect((await lk.rooms.listParticipants(room))[0]?.isPublisher).toBe(true);
  });

  it('joins again after its signal connection broke, and the others see the new session', async () => {
    const room = await newRoom();
    const alice = await joined(room, 'alice');
    await alice.publish();
    const bob = await joined(room, 'bob');
    const before = await bob.waitFor(
      'alice with 2 tracks',
      (s) => remote(s, 'alice')?.tracks.length === 2,
    );
    const firstSid = remote(before, 'alice')?.sid;

    expect(lk.emulator.controls.rooms.breakConnection(room, 'alice')).toBe(true);
    await alice.waitFor(
      'connected on a second socket',
      (s) => s.state === 'connected' && alice.socketPaths.length === 2,
    );
    // Resume is disabled, so the client joined afresh (a new sid) and published its tracks again.
    expect(alice.socketPaths).toEqual(['/rtc/v1', '/rtc/v1']);
    await bob.waitFor('the new alice with 2 tracks', (s) => {
      const again = remote(s, 'alice');
      return again !== undefined && again.sid !== firstSid && again.tracks.length === 2;
    });
    const listed = await lk.rooms.listParticipants(room);
    expect(listed.map((p) => p.identity).sort()).toEqual(['alice', 'bob']);
  });

  it('replaces an older session of the same identity, which is told why', async () => {
    const room = await newRoom();
    const first = await joined(room, 'alice');
    const second = await joined(room, 'alice');
    const dropped = await first.waitFor('disconnected', (s) => s.state === 'disconnected');
    expect(dropped.disconnectReason).toBe(DisconnectReason.DUPLICATE_IDENTITY);
    expect((await second.waitFor('connected', (s) => s.state === 'connected')).state).toBe(
      'connected',
    );
    expect((await lk.rooms.listParticipants(room)).map((p) => p.identity)).toEqual(['alice']);
  });

  it.each([
    ['a token for a room that does not exist', { room: 'elsewhere' }, 404],
    ['an expired token', { ttl: '-5 minutes' }, 401],
    ['a token signed with another secret', { secret: 'another-secret-another-secret' }, 401],
  ] as const)(
    'refuses %s with the NotAllowed error the real server causes',
    async (_case, bad, status) => {
      const room = await newRoom();
      const page = await openPage();
      const token =
        'room' in bad
          ? await joinToken(lk.roomName(bad.room), 'mallory')
          : await joinToken(room, 'mallory', bad);
      const outcome: ConnectOutcome = await page.connect(lk.emulator.url, token);
      expect(outcome).toMatchObject({
        error: { name: 'ConnectionError', reason: 'NotAllowed', status },
      });
      expect(await lk.rooms.listParticipants(room)).toEqual([]);
    },
  );
});
