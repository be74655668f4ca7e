import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { START_REQUEST_TIMEOUT_MS } from '../../common/recording/recording-deadlines.js';
import {
  recordingFileName,
  recordingPath,
  storageObjectName,
} from '../../common/recording/recording-paths.js';
import { RECORDING_STATUSES } from '../../common/recording/recording-status.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { freePort } from '../../emulators/harness/free-port.js';
import { type LocalStack, startLocalStack } from '../../emulators/local-stack/local-stack.js';
import { type SpaServer, startSpaServer } from '../../emulators/local-stack/spa-server.js';
import { buildWebApp } from '../../emulators/local-stack/web-build.js';
import { requireFfprobe } from '../emulators/livekit/support/ffprobe.js';
import { launchChromium, newMediaContext } from '../support/chromium.js';
import {
  createRecordingAdmin,
  freshRoomName,
  openWatchedPage,
  type PageProblems,
  renderedStatuses,
  signIn,
  waitUntilConnected,
  watchRenderedStatuses,
} from './support/app-page.js';

const run = promisify(execFile);

/**
 * The product as a participant meets it: the built SPA in headless Chromium against the whole
 * local stack (`npm run local`'s), two users in two browser contexts.
 */
describe('the web app against the local stack', () => {
  let webDir: string;
  let stack: LocalStack;
  let browser: Browser;
  const extraServers: SpaServer[] = [];
  const problems: PageProblems[] = [];
  let contexts: BrowserContext[] = [];
  const context = async (media: boolean) => {
    const created = media ? await newMediaContext(browser) : await browser.newContext();
    contexts.push(created);
    return created;
  };

  // A second SPA server, with its settings in <body data-*>, on a port chosen ahead so the
  // controller can allow its origin.
  let attributesPort: number;
  // And one whose LiveKit URL leads nowhere.
  let brokenLivekitPort: number;

  beforeAll(async () => {
    attributesPort = await freePort();
    brokenLivekitPort = await freePort();
    webDir = await mkdtemp(join(tmpdir(), 'web-build-'));
    await buildWebApp(webDir);
    stack = await startLocalStack({
      ports: 'random',
      webDir,
      controllerEnv: { LOG_LEVEL: 'debug' },
      extraAppOrigins: [
        `http://127.0.0.1:${attributesPort}`,
        `http://127.0.0.1:${brokenLivekitPort}`,
      ],
    });
    browser = await launchChromium({ fakeMedia: true });
    await requireFfprobe();
  }, 120_000);

  /** The Storage object's metadata status over the GCS JSON API: 200 while it exists. */
  const storageObjectStatus = async (roomKey: string, recordingId: string) => {
    const bucket = `${stack.projectId}.firebasestorage.app`;
    const name = encodeURIComponent(storageObjectName(roomKey, recordingId));
    return (await fetch(`${stack.urls.storage}/storage/v1/b/${bucket}/o/${name}`)).status;
  };

  /**
   * Writes a record straight into the database as its owner (the rules bypassed): a start whose
   * command no controller reads, or what a newer controller wrote. Resolves with its id.
   */
  const plantRecord = async (roomUrl: string, record: Record<string, unknown>) => {
    const recordingId = randomBytes(15).toString('base64url');
    const path = recordingPath(roomKeyFromUrl(roomUrl), recordingId);
    const written = await fetch(
      `${stack.urls.rtdb}/${path}.json?ns=${stack.projectId}-default-rtdb`,
      {
        method: 'PUT',
        headers: { authorization: 'Bearer owner' },
        body: JSON.stringify({ roomUrl, requestedAt: { '.sv': 'timestamp' }, ...record }),
      },
    );
    if (!written.ok) throw new Error(`could not plant a record: ${await written.text()}`);
    return recordingId;
  };

  /** Alice alone in a room of her own, connected, the Record button shown; resolves with its URL. */
  const joinFreshRoomAsAlice = async (page: Page) => {
    const [alice] = stack.demoUsers;
    if (alice === undefined) throw new Error('demo users missing');
    const roomUrl = `${stack.urls.app}/room/${freshRoomName()}`;
    await page.goto(roomUrl);
    await signIn(page, alice.email, alice.password);
    await waitUntilConnected(page);
    await page.getByRole('button', { name: 'Record' }).waitFor();
    return roomUrl;
  };

  afterEach(async () => {
    for (const open of contexts) await open.close();
    contexts = [];
  });

  afterAll(async () => {
    await browser?.close();
    for (const server of extraServers) await server.stop();
    await stack?.stop();
    if (webDir !== undefined) await rm(webDir, { recursive: true, force: true });
  });

  it('records a room two participants share, shows the notice, serves the exact file, and lets its requester delete it', async () => {
    const [alice, bob] = stack.demoUsers;
    if (alice === undefined || bob === undefined) throw new Error('demo users missing');
    const roomUrl = `${stack.urls.app}/room/${freshRoomName()}`;
    const a = await openWatchedPage(await context(true));
    const b = await openWatchedPage(await context(true));
    problems.push(a.problems, b.problems);

    // Bob is on a phone.
    await b.page.setViewportSize({ width: 390, height: 844 });
    await a.page.goto(roomUrl);
    await signIn(a.page, alice.email, alice.password);
    await b.page.goto(roomUrl);
    await signIn(b.page, bob.email, bob.password);
    await waitUntilConnected(a.page);
    await waitUntilConnected(b.page);
    // Every control has a name a screen reader can say.
    const unnamed = await b.page.$$eval('button, a, input', (elements) =>
      elements
        .filter(
          (element) =>
            (element.textContent ?? '').trim() === '' &&
            !element.getAttribute('aria-label') &&
            (element as HTMLInputElement).labels?.length !== 1,
        )
        .map((element) => element.outerHTML),
    );
    expect(unnamed).toEqual([]);

    // Hold the upload once it has begun, so both can be seen watching its progress bar.
    const faults = stack.storageFaults;
    if (faults === undefined) throw new Error('the stack has no storage fault switches');
    const stall = faults.stallUploadAfterBytes(1024);

    await watchRenderedStatuses(a.page);
    await watchRenderedStatuses(b.page);
    await a.page.getByRole('button', { name: 'Record' }).click();
    const bobIndicator = b.page.locator('.recording-indicator');
    await bobIndicator.waitFor({ timeout: 30_000 });
    await expect.poll(() => bobIndicator.textContent()).toContain('started by Alice');
    const notice = b.page.getByRole('alertdialog', { name: 'This room is being recorded' });
    await notice.waitFor();
    // The notice takes the keyboard focus, so Enter acknowledges it.
    await expect
      .poll(() => b.page.evaluate(() => document.activeElement?.textContent))
      .toBe('I understand');
    await b.page.keyboard.press('Enter');
    await notice.waitFor({ state: 'detached' });
    // The one who started it is not asked; the record lists who acknowledged.
    expect(await a.page.getByRole('alertdialog').count()).toBe(0);
    await a.page.locator('.consents', { hasText: 'Bob' }).waitFor();

    await a.page.locator('[data-status="recording"]').first().waitFor({ timeout: 30_000 });
    // Hold the egress's end a moment, so `stopping` is on screen long enough to be seen.
    stack.livekitControls?.webhooks.addFault({
      kind: 'delay',
      event: 'egress_ended',
      delayMs: 1_000,
    });
    await a.page.getByRole('button', { name: 'Stop recording' }).click();

    for (const page of [a.page, b.page]) {
      await page.locator('li[data-status="uploading"] progress').waitFor({ timeout: 60_000 });
    }
    await stall.reached;
    stall.release();
    const uploaded = (page: typeof a.page) =>
      page.locator('li[data-status="uploaded"] a.download').waitFor({ timeout: 60_000 });
    await uploaded(a.page);
    await uploaded(b.page);
    // Nothing is wider than the phone's screen.
    expect(
      await b.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
    expect(await a.page.locator('.recording-indicator').count()).toBe(0);
    // Each saw the record move forward only, through stopping and uploading, to uploaded.
    for (const page of [a.page, b.page]) {
      const statuses = await renderedStatuses(page);
      const order = statuses.map((status) => RECORDING_STATUSES.indexOf(status as never));
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(statuses).toEqual(expect.arrayContaining(['stopping', 'uploading', 'uploaded']));
      expect(statuses.at(-1)).toBe('uploaded');
    }

    const recordingId = await a.page
      .locator('li[data-status="uploaded"]')
      .first()
      .getAttribute('data-recording-id');
    const fetched = await b.page.evaluate(async () => {
      const link = document.querySelector<HTMLAnchorElement>(
        'li[data-status="uploaded"] a.download',
      );
      if (link === null) throw new Error('no download link');
      const bytes = new Uint8Array(await (await fetch(link.href)).arrayBuffer());
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      return {
        length: bytes.length,
        sha256: Array.from(new Uint8Array(digest), (byte) =>
          byte.toString(16).padStart(2, '0'),
        ).join(''),
      };
    });
    const onDisk = await readFile(
      join(stack.recordingsDir, roomKeyFromUrl(roomUrl), `${recordingId}.mp4`),
    );
    expect(fetched).toEqual({
      length: onDisk.length,
      sha256: createHash('sha256').update(onDisk).digest('hex'),
    });

    // Only the one who started it is offered Delete, and it asks before deleting.
    if (recordingId === null) throw new Error('no recording id');
    const roomKey = roomKeyFromUrl(roomUrl);
    expect(await storageObjectStatus(roomKey, recordingId)).toBe(200);
    const item = (page: typeof a.page) => page.locator(`li[data-recording-id="${recordingId}"]`);
    expect(
      await item(b.page)
        .getByRole('button', { name: /delete/i })
        .count(),
    ).toBe(0);
    await item(a.page).getByRole('button', { name: 'Delete', exact: true }).click();
    const question = a.page.getByRole('alertdialog', {
      name: 'Delete this recording for everyone? This cannot be undone.',
    });
    await question.waitFor();
    // Escape takes the question back; asked again, the confirm button has the focus.
    await a.page.keyboard.press('Escape');
    await question.waitFor({ state: 'detached' });
    expect(await item(a.page).count()).toBe(1);
    await item(a.page).getByRole('button', { name: 'Delete', exact: true }).click();
    await expect
      .poll(() => a.page.evaluate(() => document.activeElement?.textContent))
      .toBe('Delete recording');
    await a.page.keyboard.press('Enter');
    // The controller deletes the record: it leaves both lists, live, and the file goes with it.
    await item(a.page).waitFor({ state: 'detached', timeout: 30_000 });
    await item(b.page).waitFor({ state: 'detached', timeout: 30_000 });
    await a.page.locator('[aria-live]', { hasText: 'Recording deleted.' }).waitFor();
    expect(await storageObjectStatus(roomKey, recordingId)).toBe(404);
  }, 180_000);

  it('records audio only when asked, and lets a recording administrator delete it', async () => {
    const [alice] = stack.demoUsers;
    if (alice === undefined) throw new Error('demo users missing');
    const roomUrl = `${stack.urls.app}/room/${freshRoomName()}`;
    const { page, problems: pageProblems } = await openWatchedPage(await context(true));
    problems.push(pageProblems);
    await page.goto(roomUrl);
    await signIn(page, alice.email, alice.password);
    await waitUntilConnected(page);
    // No presets configured: no quality choice.
    expect(await page.getByLabel('Quality').count()).toBe(0);
    const layout = page.getByLabel('Layout');
    expect(await layout.isEnabled()).toBe(true);
    await page.getByLabel('Audio only').check();
    expect(await layout.isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Record' }).click();
    await page.locator('li[data-status="recording"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('li.recording .kind').textContent()).toBe('Audio only');
    await page.getByRole('button', { name: 'Stop recording' }).click();
    const uploaded = page.locator('li[data-status="uploaded"]');
    await uploaded.locator('a.download').waitFor({ timeout: 60_000 });
    const recordingId = await uploaded.getAttribute('data-recording-id');
    if (recordingId === null) throw new Error('no recording id');

    // The egress was asked for audio only: its file holds one AAC track and no video.
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type,codec_name',
      '-of',
      'json',
      join(stack.recordingsDir, recordingFileName(roomKeyFromUrl(roomUrl), recordingId)),
    ]);
    expect(JSON.parse(stdout).streams).toEqual([{ codec_name: 'aac', codec_type: 'audio' }]);
    const contentType = await page.evaluate(async () => {
      const link = document.querySelector<HTMLAnchorElement>(
        'li[data-status="uploaded"] a.download',
      );
      if (link === null) throw new Error('no download link');
      return (await fetch(link.href)).headers.get('content-type');
    });
    expect(contentType).toBe('audio/mp4');

    // Someone else, with the recordingAdmin claim, is offered Delete, and the rules take it.
    const admin = await createRecordingAdmin(stack.urls.auth, stack.projectId);
    const { page: adminPage, problems: adminProblems } = await openWatchedPage(
      await context(false),
    );
    problems.push(adminProblems);
    await adminPage.goto(roomUrl);
    await signIn(adminPage, admin.email, admin.password);
    const item = adminPage.locator(`li[data-recording-id="${recordingId}"]`);
    await item.getByRole('button', { name: 'Delete', exact: true }).click();
    await adminPage.getByRole('button', { name: 'Delete recording' }).click();
    await item.waitFor({ state: 'detached', timeout: 30_000 });
    await page.locator(`li[data-recording-id="${recordingId}"]`).waitFor({ state: 'detached' });
    expect(await storageObjectStatus(roomKeyFromUrl(roomUrl), recordingId)).toBe(404);
  }, 120_000);

  it("frees the Record button from a start no recorder took up, by the server's clock on a phone ten minutes fast", async () => {
    const phone = await context(true);
    const phoneClockAhead = 10 * 60_000;
    await phone.clock.install({ time: Date.now() + phoneClockAhead });
    const { page, problems: pageProblems } = await openWatchedPage(phone);
    problems.push(pageProblems);
    await page.setViewportSize({ width: 390, height: 844 });
    const roomUrl = await joinFreshRoomAsAlice(page);

    // A start whose command no controller reads: the controller is as good as down.
    const recordingId = await plantRecord(roomUrl, {
      requestedBy: 'someone-else',
      status: 'requested',
    });
    const item = page.locator(`li[data-recording-id="${recordingId}"]`);
    // Just asked for by the server's clock (ten minutes ago by the phone's): it holds the room.
    await item.locator('.status', { hasText: 'Requested' }).waitFor();
    await page.getByRole('button', { name: 'Stop recording' }).waitFor();

    // The deadline passes and nothing else happens: the page sees it by itself. (The clock is
    // set, not run forward: running a minute of timers at once lapses livekit-client's pings.)
    await page.clock.setSystemTime(Date.now() + phoneClockAhead + START_REQUEST_TIMEOUT_MS);
    await item.locator('.status', { hasText: 'Not started' }).waitFor();
    expect(await item.locator('.recording-note').textContent()).toBe(
      'The recorder did not respond, so this recording did not start. Press Record to try again.',
    );
    const record = page.getByRole('button', { name: 'Record' });
    await record.waitFor();
    expect(await record.isEnabled()).toBe(true);
    expect(await page.getByLabel('Audio only').isEnabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Stop recording' }).count()).toBe(0);
    // Nothing is wider than the phone's screen.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    ).toBe(true);
  }, 60_000);

  it("lists a newer controller's records: a status this build does not know, an error code it does not know", async () => {
    const { page, problems: pageProblems } = await openWatchedPage(await context(true));
    problems.push(pageProblems);
    const roomUrl = await joinFreshRoomAsAlice(page);

    const paused = await plantRecord(roomUrl, {
      requestedBy: 'someone-else',
      status: 'paused',
      startedAt: { '.sv': 'timestamp' },
    });
    const failed = await plantRecord(roomUrl, {
      requestedBy: 'someone-else',
      status: 'failed',
      error: { code: 'quota_exceeded', message: 'the bucket is full' },
    });
    const pausedItem = page.locator(`li[data-recording-id="${paused}"]`);
    await pausedItem.locator('.status', { hasText: 'Unknown status' }).waitFor();
    expect(await pausedItem.locator('.recording-note').textContent()).toBe(
      'This page is older than the server and does not know the status “paused”. Reload the page to see it.',
    );
    const error = page.locator(`li[data-recording-id="${failed}"] .recording-error`);
    await error.waitFor();
    expect(await error.getAttribute('data-error-code')).toBe('quota_exceeded');
    expect(await error.textContent()).toBe('The recording failed. (the bucket is full)');
    // Neither holds the room.
    expect(await page.getByRole('button', { name: 'Record' }).isEnabled()).toBe(true);
  }, 60_000);

  it('shows a signed-out visitor the sign-in form and nothing of the room, also after signing out', async () => {
    const { page, problems: visitorProblems } = await openWatchedPage(await context(true));
    problems.push(visitorProblems);
    await page.goto(`${stack.urls.app}/room/${freshRoomName()}`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    const roomParts = page.locator('.recording-panel, .livekit-room, .recordings');
    expect(await roomParts.count()).toBe(0);

    const [alice] = stack.demoUsers;
    if (alice === undefined) throw new Error('demo users missing');
    await signIn(page, alice.email, alice.password);
    await page.locator('.recording-panel').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await roomParts.count()).toBe(0);
  }, 60_000);

  it('works with its settings in <body data-*> attributes as with the window object', async () => {
    const server = await startSpaServer({
      dir: webDir,
      port: attributesPort,
      config: { ...stack.webConfig, recordingPresets: ['H264_720P_30'] },
      configForm: 'attributes',
    });
    extraServers.push(server);
    const html = await (await fetch(`${server.url}/`)).text();
    expect(html).toContain('data-livekit-url="ws://');
    expect(html).not.toContain('__CHATSPHERES_CONFIG__ =');
    expect(html).toContain('data-recording-presets="H264_720P_30"');
    const { page, problems: pageProblems } = await openWatchedPage(await context(true));
    await page.goto(`${server.url}/room/${freshRoomName()}`);
    const [alice] = stack.demoUsers;
    if (alice === undefined) throw new Error('demo users missing');
    await signIn(page, alice.email, alice.password);
    await waitUntilConnected(page);
    await page.getByText('No recordings in this room yet.').waitFor();
    await page.getByRole('button', { name: 'Record' }).waitFor();
    // The configured presets are offered beside Record.
    const quality = page.getByLabel('Quality');
    expect(await quality.locator('option').allTextContents()).toEqual(['Default', 'H264_720P_30']);
    expect(pageProblems.errors).toEqual([]);
  }, 60_000);

  it('names a LiveKit connection that fails, and says why a recording then fails', async () => {
    const unreachable = `ws://127.0.0.1:${await freePort()}`;
    const server = await startSpaServer({
      dir: webDir,
      port: brokenLivekitPort,
      config: { ...stack.webConfig, livekitUrl: unreachable },
      configForm: 'window',
    });
    extraServers.push(server);
    // Not among the pages checked for console errors: livekit-client logs the failure itself.
    const { page } = await openWatchedPage(await context(true));
    await page.goto(`${server.url}/room/${freshRoomName()}`);
    const [alice] = stack.demoUsers;
    if (alice === undefined) throw new Error('demo users missing');
    await signIn(page, alice.email, alice.password);
    await page
      .getByRole('alert')
      .getByText(`Could not connect to LiveKit at ${unreachable}`)
      .waitFor({ timeout: 60_000 });

    // The controller refuses a recording asked for by someone who is not in the room.
    await page.getByRole('button', { name: 'Record' }).click();
    const error = page.locator('li[data-status="failed"] .recording-error');
    await error.waitFor({ timeout: 30_000 });
    expect(await error.getAttribute('data-error-code')).toBe('not_in_room');
    expect(await error.textContent()).toContain(
      'Only someone connected to the room can start a recording.',
    );
  }, 90_000);

  it('names each missing setting instead of starting', async () => {
    const { livekitUrl: _dropped, ...withoutLivekit } = stack.webConfig;
    const server = await startSpaServer({
      dir: webDir,
      config: { ...withoutLivekit, firebase: { apiKey: 'key' } },
      configForm: 'attributes',
    });
    extraServers.push(server);
    const page = await (await context(false)).newPage();
    await page.goto(`${server.url}/`);
    const alert = page.getByRole('alert');
    await alert.getByText('This page is not configured').waitFor();
    const text = (await alert.textContent()) ?? '';
    expect(text).toContain('livekitUrl (data-livekit-url) is missing');
    expect(text).toContain('firebase.projectId is missing');
    expect(text).toContain('firebase.databaseURL is missing');
  });

  it('ships no zod: the records are read by the lenient reader, not the schema', async () => {
    const assets = join(webDir, 'assets');
    const maps = (await readdir(assets)).filter((name) => name.endsWith('.js.map'));
    expect(maps.length).toBeGreaterThan(0);
    const sources: string[] = [];
    for (const name of maps) {
      sources.push(
        ...(JSON.parse(await readFile(join(assets, name), 'utf8')) as { sources: string[] })
          .sources,
      );
    }
    expect(sources.filter((source) => source.includes('node_modules/zod/'))).toEqual([]);
    expect(
      sources.some((source) => source.endsWith('common/recording/read-recording-record.ts')),
    ).toBe(true);
  });

  it('logged no console errors on any page', () => {
    expect(problems.flatMap((page) => page.errors)).toEqual([]);
  });
});
