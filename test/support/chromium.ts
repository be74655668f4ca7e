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
