import { isPlainObject } from '../harness/plain-object.js';

/**
 * Who a connection or REST request acts as. `admin` bypasses every rule; otherwise rules run with
 * `auth` (null when unauthenticated).
 */
export type Identity =
  | { readonly kind: 'admin' }
  | { readonly kind: 'user'; readonly auth: Record<string, unknown> | null };

export const ADMIN: Identity = { kind: 'admin' };
export const UNAUTHENTICATED: Identity = { kind: 'user', auth: null };

/** The credential the Admin SDK and rules-unit-testing send for "rules disabled". */
export const OWNER_TOKEN = 'owner';

function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(
      Buffer.from(parts[1] as string, 'base64url').toString('utf8'),
    );
    return isPlainObject(payload) ? payload : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The rules `auth` of an ID token. Like Google's emulator, signatures, issuer, audience and expiry
 * are not checked: rules-unit-testing's mock tokens are unsigned and expired in 1970.
 */
export function authFromIdToken(token: string): Record<string, unknown> | undefined {
  const claims = decodeJwtPayload(token);
  if (claims === undefined) return undefined;
  const uid = typeof claims.sub === 'string' ? claims.sub : claims.user_id;
  if (typeof uid !== 'string' || uid === '') return undefined;
  const firebase = claims.firebase as { sign_in_provider?: unknown } | undefined;
  return { uid, provider: firebase?.sign_in_provider ?? null, token: claims };
}

/** Maps a bearer credential (REST `auth=` or `Authorization`) to an identity. */
export function identityFromCredential(credential: string | undefined): Identity | undefined {
  if (credential === undefined || credential === '') return UNAUTHENTICATED;
  if (credential === OWNER_TOKEN) return ADMIN;
  const auth = authFromIdToken(credential);
  return auth === undefined ? undefined : { kind: 'user', auth };
}
