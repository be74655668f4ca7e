import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realLivekitAvailability } from '../../emulators/livekit-server/index.js';
import { type LocalStack, startLocalStack } from '../../emulators/local-stack/local-stack.js';
import { buildWebApp } from '../../emulators/local-stack/web-build.js';
import { launchLoopbackMediaContext } from '../support/chromium.js';
import {
  freshRoomName,
  openWatchedPage,
  type PageProblems,
  signIn,
  waitUntilConnected,
} from './support/app-page.js';
import { keepPeerConnections, selectedCandidatePairs } from './support/peer-connections.js';

// Browsers only meet in the SFU: no egress worker is needed, only the server and Redis (the
// global set-up prints why the real-server suites are skipped when those are missing).
const real = await realLivekitAvailability({ egressWorker: false });

/** The other participant's camera as this page renders it. */
const REMOTE_VIDEO = 'video[data-lk-local-participant="false"]';

/** How many frames the page has decoded from the other participant's camera so far. */
const decodedRemoteFrames = (page: Page): Promise<number> =>
  page.$eval(REMOTE_VIDEO, (video) =>
    (video as HTMLVideoElement).videoWidth > 0
      ? (video as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames
      : 0,
  );

/**
 * Resolves once the page has decoded `more` frames of the other's camera beyond those it had
 * decoded when called: the media went browser → real SFU → browser and was decoded.
 */
async function decodesRemoteVideo(page: Page, more: number): Promise<void> {
  await page.locator(REMOTE_VIDEO).waitFor({ state: 'attached', timeout: 30_000 });
  await page.waitForFunction(
    (selector) => {
      const video = document.querySelector<HTMLVideoElement>(selector);
      return video !== null && video.videoWidth > 0;
    },
    REMOTE_VIDEO,
    { timeout: 30_000 },
  );
  const before = await decodedRemoteFrames(page);
  await page.waitForFunction(
    ({ selector, target }) => {
      const video = document.querySelector<HTMLVideoElement>(selector);
      return video !== null && video.getVideoPlaybackQuality().totalVideoFrames >= target;
    },
    { selector: REMOTE_VIDEO, target: before + more },
    { timeout: 30_000 },
  );
}

/**
 * The built SPA in headless Chromium on the real livekit-server (v1.13.5, as the VM runs it)
 * instead of our emulator: what the emulator cannot show is that media really flows.
 */
describe.skipIf(!real.available)('the web app on the real LiveKit SFU', () => {
  let webDir: string;
  let stack: LocalStack;
  const browsers: { close(): Promise<void> }[] = [];
  const problems: PageProblems[] = [];

  beforeAll(async () => {
    webDir = await mkdtemp(join(tmpdir(), 'web-build-'));
    await buildWebApp(webDir);
    stack = await startLocalStack({ ports: 'random', webDir, livekit: 'real' });
  }, 120_000);

  afterAll(async () => {
    for (const browser of browsers) await browser.close();
    await stack?.stop();
    if (webDir !== undefined) await rm(webDir, { recursive: true, force: true });
  });

  it('the SPA talks to the real node, not the emulator', () => {
    expect(stack.livekitControls).toBeUndefined();
    expect(stack.webConfig.livekitUrl).toBe(stack.urls.livekit.replace(/^http/, 'ws'));
  });

  it("lets two participants each decode the other's camera", async () => {
    const [alice, bob] = stack.demoUsers;
    if (alice === undefined || bob === undefined) throw new Error('demo users missing');
    const roomUrl = `${stack.urls.app}/room/${freshRoomName()}`;
    const pages: Page[] = [];
    for (const user of [alice, bob]) {
      // Two users, two browsers: each its own profile whose WebRTC stays on loopback.
      const browser = await launchLoopbackMediaContext();
      browsers.push(browser);
      const { context } = browser;
      await keepPeerConnections(context);
      const watched = await openWatchedPage(context);
      problems.push(watched.problems);
      await watched.page.goto(roomUrl);
      await signIn(watched.page, user.email, user.password);
      pages.push(watched.page);
    }
    for (const page of pages) await waitUntilConnected(page);
    await Promise.all(pages.map((page) => decodesRemoteVideo(page, 30)));
    // The media went over 127.0.0.1 at both ends: no other address of the machine was used.
    for (const page of pages) {
      const pairs = await selectedCandidatePairs(page);
      expect(pairs.length).toBeGreaterThan(0);
      for (const { local, remote } of pairs) {
        expect([local.address, remote.address]).toEqual(['127.0.0.1', '127.0.0.1']);
      }
    }
    expect(problems.flatMap((page) => page.errors)).toEqual([]);
  }, 90_000);
});
