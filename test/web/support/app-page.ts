import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';

/** What a page said on its console at error level, and what it threw. */
export interface PageProblems {
  readonly errors: string[];
}

/** A page that records console errors and uncaught exceptions (a test asserts there were none). */
export async function openWatchedPage(
  context: BrowserContext,
): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  const problems: PageProblems = { errors: [] };
  page.on('console', (message) => {
    if (message.type() === 'error') problems.errors.push(message.text());
  });
  page.on('pageerror', (error) => problems.errors.push(`uncaught: ${error.message}`));
  return { page, problems };
}

/** A room name of its own, so tests never share a room. */
export const freshRoomName = () => `room-${randomBytes(5).toString('hex')}`;

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Resolves once the room's LiveKit connection is up, as the page says it. */
export async function waitUntilConnected(page: Page, timeoutMs = 30_000): Promise<void> {
  await page.locator('[data-connection-state="connected"]').waitFor({ timeout: timeoutMs });
}

/**
 * Starts recording, in the page, every status the newest recording shows (as rendered), so a
 * test can later read the sequence a participant saw.
 */
export async function watchRenderedStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const seen: string[] = [];
    (window as unknown as { renderedStatuses: string[] }).renderedStatuses = seen;
    const note = () => {
      const status = document.querySelector('li.recording')?.getAttribute('data-status');
      if (status != null && seen.at(-1) !== status) seen.push(status);
    };
    new MutationObserver(note).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-status'],
    });
    note();
  });
}

export const renderedStatuses = (page: Page): Promise<string[]> =>
  page.evaluate(() => (window as unknown as { renderedStatuses: string[] }).renderedStatuses);

/**
 * A new account in the local stack's Auth emulator whose ID tokens carry the `recordingAdmin`
 * claim (set as the Admin SDK would, through the emulator's owner credential).
 */
export async function createRecordingAdmin(
  authUrl: string,
  projectId: string,
): Promise<{ email: string; password: string }> {
  const email = `admin-${randomBytes(4).toString('hex')}@example.com`;
  const password = randomBytes(9).toString('base64url');
  const api = `${authUrl}/identitytoolkit.googleapis.com/v1`;
  const signUp = await fetch(`${api}/accounts:signUp?key=local-demo`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, displayName: 'Admin', returnSecureToken: true }),
  });
  if (!signUp.ok) throw new Error(`could not create an admin: ${await signUp.text()}`);
  const { localId } = (await signUp.json()) as { localId: string };
  const update = await fetch(`${api}/projects/${projectId}/accounts:update`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer owner' },
    body: JSON.stringify({ localId, customAttributes: JSON.stringify({ recordingAdmin: true }) }),
  });
  if (!update.ok) throw new Error(`could not set the admin claim: ${await update.text()}`);
  return { email, password };
}
