import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

export interface SignedInUser {
  readonly uid: string;
  readonly email: string;
  readonly password: string;
  readonly idToken: string;
}

const authUrl = (path: string) =>
  `http://${inject('authEmulatorHost')}/identitytoolkit.googleapis.com/v1/${path}?key=fake-api-key`;

async function postAuth(path: string, body: object): Promise<{ localId: string; idToken: string }> {
  const response = await fetch(authUrl(path), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...body, returnSecureToken: true }),
  });
  if (!response.ok) throw new Error(`${path} failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as { localId: string; idToken: string };
}

/**
 * A fresh e-mail/password user signed in through the Auth emulator's REST API.
 *
 * The token comes from a sign-in after the sign-up, not from the sign-up itself: the emulator's
 * sign-up takes the token's `auth_time` from the request's start but sets the account's
 * `validSince` after hashing the password, so when a second boundary falls between the two the
 * sign-up's own token counts as revoked (`verifyIdToken(token, true)` refuses it). A sign-in
 * stamps `auth_time` after `validSince`.
 */
export async function signUpUser(profile: { displayName?: string } = {}): Promise<SignedInUser> {
  const email = `user-${randomBytes(6).toString('hex')}@example.com`;
  const password = randomBytes(12).toString('hex');
  const { localId } = await postAuth('accounts:signUp', { email, password, ...profile });
  const { idToken } = await postAuth('accounts:signInWithPassword', { email, password });
  return { uid: localId, email, password, idToken };
}

/** A user signed in anonymously (a guest), through the Auth emulator's REST API. */
export async function signInAnonymousUser(): Promise<{ uid: string; idToken: string }> {
  const { localId, idToken } = await postAuth('accounts:signUp', {});
  return { uid: localId, idToken };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * An ID token shaped as the Auth emulator issues them (alg "none"), with claims of our choice:
 * how a test gets a token that is expired or meant for another project.
 */
export function unsignedIdToken(claims: Record<string, unknown>): string {
  const projectId = inject('firebaseProjectId');
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: `https://securetoken.google.com/${projectId}`,
    aud: projectId,
    auth_time: now - 60,
    iat: now - 60,
    exp: now + 3600,
    sub: 'user-from-claims',
    user_id: 'user-from-claims',
    firebase: { identities: {}, sign_in_provider: 'custom' },
    ...claims,
  };
  return `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload)}.`;
}

/**
 * Revokes every token the user holds now, as `revokeRefreshTokens` does, but with a cutoff a
 * minute ahead: tokens minted in the same second as a revocation would otherwise still pass.
 */
export async function revokeTokens(uid: string): Promise<void> {
  const projectId = inject('firebaseProjectId');
  const response = await fetch(
    `http://${inject('authEmulatorHost')}/identitytoolkit.googleapis.com/v1/projects/${projectId}/accounts:update`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer owner' },
      body: JSON.stringify({
        localId: uid,
        validSince: String(Math.floor(Date.now() / 1000) + 60),
      }),
    },
  );
  if (!response.ok) throw new Error(`revoking failed: ${response.status} ${await response.text()}`);
}
