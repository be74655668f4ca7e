import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer } from 'node:net';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { expect, inject, it } from 'vitest';
import { startAuthEmulator } from '../../../emulators/harness/auth-emulator.js';
import { signUpUser } from '../../support/firebase-users.js';

it('issues ID tokens, through the Auth REST API, that the Admin SDK verifies', async () => {
  const user = await signUpUser();
  const app = initializeApp({ projectId: inject('firebaseProjectId') }, `auth-${randomUUID()}`);
  try {
    const decoded = await getAuth(app).verifyIdToken(user.idToken);
    expect(decoded.uid).toBe(user.uid);
    expect(decoded.email).toBe(user.email);
  } finally {
    await deleteApp(app);
  }
});

it('refuses a port another server holds with the reason, rather than waiting on it', async () => {
  const taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as AddressInfo;
  try {
    await expect(startAuthEmulator('demo-port-taken', { port })).rejects.toThrow(/port taken/i);
  } finally {
    taken.close();
  }
}, 60_000);
