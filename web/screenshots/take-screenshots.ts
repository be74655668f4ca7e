import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startLocalStack } from '../../emulators/local-stack/local-stack.js';
import { launchChromium } from '../../test/support/chromium.js';
import { signIn, waitUntilConnected } from '../../test/web/support/app-page.js';

/**
 * `npm run screenshots`: the README's pictures of the main states (joined, recording with the
 * notice, uploaded), taken in headless Chromium with the browser tests' setup against a fresh
 * local stack, written to docs/screenshots/.
 */
const OUT_DIR = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const DESKTOP = { width: 1280, height: 760 };
const PHONE = { width: 390, height: 844 };

async function shoot(page: Page, name: string): Promise<void> {
  const path = `${OUT_DIR}${name}.png`;
  await page.screenshot({ path });
  process.stdout.write(`wrote ${path}\n`);
}

async function main(): Promise<void> {
  const stack = await startLocalStack({ ports: 'random' });
  const browser = await launchChromium({ fakeMedia: true });
  try {
    const [alice, bob] = stack.demoUsers;
    if (alice === undefined || bob === undefined) throw new Error('demo users missing');
    const roomUrl = `${stack.urls.app}/room/team-standup`;
    const context = (viewport: typeof DESKTOP) =>
      browser.newContext({ permissions: ['camera', 'microphone'], viewport });
    const a = await (await context(DESKTOP)).newPage();
    const b = await (await context(PHONE)).newPage();
    await a.goto(roomUrl);
    await signIn(a, alice.email, alice.password);
    await b.goto(roomUrl);
    await signIn(b, bob.email, bob.password);
    await waitUntilConnected(a);
    await waitUntilConnected(b);
    await a.locator('.lk-participant-tile video').nth(1).waitFor();
    await shoot(a, 'joined');

    await a.getByRole('button', { name: 'Record' }).click();
    await b.getByRole('alertdialog').waitFor();
    await b.locator('.recording-indicator .elapsed').waitFor();
    await shoot(b, 'recording-notice-phone');
    await b.getByRole('button', { name: 'I understand' }).click();
    await a.locator('.consents', { hasText: 'Bob' }).waitFor();
    await a.locator('.recording-indicator .elapsed', { hasText: /0:0[3-9]/ }).waitFor();
    await shoot(a, 'recording');

    await a.getByRole('button', { name: 'Stop recording' }).click();
    await a.locator('li[data-status="uploaded"] a.download').waitFor({ timeout: 60_000 });
    await shoot(a, 'uploaded');
  } finally {
    await browser.close();
    await stack.stop();
  }
}

await main();
