import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';

/** Debian's `chromium` package; `.ci/run` installs it there. */
const CHROMIUM_PATH = '/usr/bin/chromium';

/** No sandbox (containers), no GPU, and none of the background traffic a profile starts. */
const HEADLESS_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** A synthetic camera and microphone, granted without a prompt. */
const FAKE_MEDIA_ARGS = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];

/**
 * Launches headless Chromium for a test; with `fakeMedia`, pages get a synthetic camera and
 * microphone. Close it in `afterAll`/`afterEach` (`browser.close()`), also when the test fails.
 */
export function launchChromium(options: { fakeMedia?: boolean } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...HEADLESS_ARGS, ...(options.fakeMedia === true ? FAKE_MEDIA_ARGS : [])],
  });
}

/** A fresh profile (cookies, storage) in which camera and microphone are already allowed. */
export function newMediaContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({ permissions: ['camera', 'microphone'] });
}

/**
 * WebRTC that reaches a real SFU on 127.0.0.1 and nothing else. By default Chromium binds its
 * ICE sockets to each interface's address and, once the camera is allowed, offers them as host
 * candidates: it then reaches the SFU's 127.0.0.1 from the machine's LAN address, and the SFU
 * answers to that address. With the `WebRtcIPHandlingPolicy` preference
 * `default_public_interface_only` and no STUN server it offers no candidate at all and binds
 * to the wildcard address, so the kernel sends from 127.0.0.1 and the SFU learns that address
 * (peer-reflexive) as the only one. Chromium's `--force-webrtc-ip-handling-policy` switch does
 * not reach a headless Chromium's renderer, so the preference goes into a fresh profile.
 */
const LOOPBACK_WEBRTC_PREFERENCES = {
  webrtc: { ip_handling_policy: 'default_public_interface_only' },
};

/**
 * A Chromium of its own (a fresh profile, fake camera and microphone already allowed) whose
 * WebRTC uses loopback only: see LOOPBACK_WEBRTC_PREFERENCES. `close()` also removes the profile.
 */
export async function launchLoopbackMediaContext(): Promise<{
  context: BrowserContext;
  close(): Promise<void>;
}> {
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  await mkdir(join(profile, 'Default'));
  await writeFile(
    join(profile, 'Default', 'Preferences'),
    JSON.stringify(LOOPBACK_WEBRTC_PREFERENCES),
  );
  const close = async (context?: BrowserContext) => {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  };
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...HEADLESS_ARGS, ...FAKE_MEDIA_ARGS],
      permissions: ['camera', 'microphone'],
    });
    return { context, close: () => close(context) };
  } catch (error) {
    await close();
    throw error;
  }
}
