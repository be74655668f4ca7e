import type { App } from 'firebase-admin/app';
import type { Auth } from 'firebase-admin/auth';

/**
 * firebase-admin's Auth, loaded on first use: only requests carrying an ID token and delete
 * permission checks call it, and its module (with its token verifiers and user-management
 * client) is memory an idle controller does not need.
 */
export function authOnDemand(firebase: App): () => Promise<Auth> {
  let auth: Promise<Auth> | undefined;
  return () => {
    auth ??= import('firebase-admin/auth').then(({ getAuth }) => getAuth(firebase));
    return auth;
  };
}
