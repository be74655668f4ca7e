import type { IncomingMessage } from 'node:http';
import { type AccessTokenClaims, AccessTokenError, verifyAccessToken } from './access-token.js';

/** A request refused by livekit-server's auth middleware: 401 with a plain-text body. */
export class AuthMiddlewareError extends Error {
  readonly httpStatus = 401;
}

/**
 * livekit-server's auth middleware: a token from `Authorization: Bearer …` or the
 * `access_token` query parameter is verified; a request with neither passes without claims
 * (the handler then refuses it).
 */
export function authenticateRequest(
  request: IncomingMessage,
  url: URL,
  secrets: ReadonlyMap<string, string>,
): AccessTokenClaims | undefined {
  const header = request.headers.authorization;
  let token: string | null = url.searchParams.get('access_token');
  if (header !== undefined && header !== '') {
    if (!header.startsWith('Bearer ')) {
      throw new AuthMiddlewareError('invalid authorization header. Must start with Bearer ');
    }
    token = header.slice('Bearer '.length);
  }
  if (token === null || token === '') return undefined;
  try {
    return verifyAccessToken(token, secrets);
  } catch (error) {
    if (!(error instanceof AccessTokenError)) throw error;
    // Like livekit-server, a token that parsed but failed verification is echoed back.
    const parsed = error.code === 'malformed_token' || error.code === 'unknown_api_key';
    throw new AuthMiddlewareError(
      parsed ? error.message : `invalid token: ${token}, error: ${error.message}`,
    );
  }
}
