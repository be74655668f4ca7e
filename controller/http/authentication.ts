import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest, onRequestHookHandler } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import type { DecodedIdToken } from 'firebase-admin/auth';
import { type AppError, httpErrors } from '../errors.js';

/** Who made a request: a signed-in Firebase user, or a trusted server holding the API key. */
export type Principal =
  | { readonly kind: 'user'; readonly uid: string; readonly token: DecodedIdToken }
  | { readonly kind: 'service' };

export type CredentialKind = 'idToken' | 'apiKey';

/** The one call we need from firebase-admin's Auth; the real `getAuth(app)` satisfies it. */
export interface IdTokenVerifier {
  verifyIdToken(idToken: string, checkRevoked?: boolean): Promise<DecodedIdToken>;
}

export interface AuthenticationOptions {
  readonly apiKey: string;
  readonly verifier: IdTokenVerifier;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** An onRequest hook that admits only requests carrying one of the `accepted` credentials. */
    requireAuth(accepted: readonly CredentialKind[]): onRequestHookHandler;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** Constant-time comparison: hashing first makes the length of the guess irrelevant too. */
export function apiKeyMatches(expected: string, presented: string): boolean {
  return timingSafeEqual(digest(expected), digest(presented));
}

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (match === null) throw httpErrors.invalidIdToken(new Error('malformed Authorization header'));
  return match[1];
}

function presentedApiKey(request: FastifyRequest): string | undefined {
  const header = request.headers['x-api-key'];
  return Array.isArray(header) ? header[0] : header;
}

const firebaseErrorCode = (error: unknown): string | undefined =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

function idTokenFailure(error: unknown): AppError {
  switch (firebaseErrorCode(error)) {
    case 'auth/id-token-expired':
      return httpErrors.idTokenExpired(error);
    case 'auth/id-token-revoked':
      return httpErrors.idTokenRevoked(error);
    case 'auth/user-disabled':
      return httpErrors.userDisabled(error);
    case 'auth/internal-error':
    case 'app/network-error':
    case 'app/network-timeout':
      return httpErrors.authUnavailable(error);
    default:
      return httpErrors.invalidIdToken(error);
  }
}

const describeAccepted = (accepted: readonly CredentialKind[]) =>
  accepted.map((kind) => (kind === 'idToken' ? 'a Firebase ID token' : 'the API key')).join(' or ');

const authentication: FastifyPluginAsync<AuthenticationOptions> = async (app, options) => {
  app.decorateRequest('principal', undefined);

  async function verifyUser(idToken: string): Promise<Principal> {
    let token: DecodedIdToken;
    try {
      // checkRevoked also refuses disabled and deleted users: a signed-out user cannot record.
      token = await options.verifier.verifyIdToken(idToken, true);
    } catch (error) {
      throw idTokenFailure(error);
    }
    return { kind: 'user', uid: token.uid, token };
  }

  function refuseUnless(accepted: readonly CredentialKind[], kind: CredentialKind) {
    if (!accepted.includes(kind))
      throw httpErrors.credentialNotAccepted(describeAccepted(accepted));
  }

  app.decorate('requireAuth', (accepted: readonly CredentialKind[]): onRequestHookHandler => {
    return async (request) => {
      const idToken = bearerToken(request);
      const apiKey = presentedApiKey(request);
      if (idToken !== undefined) {
        refuseUnless(accepted, 'idToken');
        request.principal = await verifyUser(idToken);
        return;
      }
      if (apiKey !== undefined) {
        refuseUnless(accepted, 'apiKey');
        if (!apiKeyMatches(options.apiKey, apiKey)) throw httpErrors.invalidApiKey();
        request.principal = { kind: 'service' };
        return;
      }
      throw httpErrors.unauthenticated();
    };
  });
};

export const authenticationPlugin = fastifyPlugin(authentication, {
  name: 'authentication',
  fastify: '5.x',
});
