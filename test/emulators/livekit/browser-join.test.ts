import { AccessToken } from 'livekit-server-sdk';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, newMediaContext } from '../../support/chromium.js';
import { JoinPage, JoinPageServer } from './support/join-page.js';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';

let lk: LivekitFixture;
let pages: JoinPageServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [lk, pages, browser] = await Promise.all([
    startLivekitFixture(),
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

async function joinToken(room: string, identity: string): Promise<string> {
  const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity });
  token.addGrant({ roomJoin: true, room, canPublish: true, canSubscribe: true });
  return token.toJwt();
}

/** A tab in its own browser profile, as a second person on another machine. */
async function openPage(): Promise<JoinPage> {
  const context = await newMediaContext(browser);
  contexts.push(context);
  return JoinPage.open(context, pages.url);
}

describe('livekit-client in Chromium', () => {
  it('connects with a token minted by livekit-server-sdk', async () => {
    const room = lk.roomName();
    const alice = await openPage();
    const outcome = await alice.connect(lk.emulator.url, await joinToken(room, 'alice'));
    expect(outcome).toHaveProperty('connectMs');
    expect((await alice.waitFor('connected', (s) => s.state === 'connected')).state).toBe(
      'connected',
    );
  });
});
