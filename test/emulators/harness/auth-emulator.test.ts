import { randomUUID } from 'node:crypto';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { expect, inject, it } from 'vitest';
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
