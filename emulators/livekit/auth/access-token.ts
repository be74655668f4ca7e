import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** The `video` claim livekit-server reads; absent and `false` differ for the publish flags. */
const videoGrantSchema = z.looseObject({
  roomCreate: z.boolean().optional(),
  roomJoin: z.boolean().optional(),
  roomList: z.boolean().optional(),
  roomRecord: z.boolean().optional(),
  roomAdmin: z.boolean().optional(),
  room: z.string().optional(),
  canPublish: z.boolean().optional(),
  canSubscribe: z.boolean().optional(),
  canPublishData: z.boolean().optional(),
  hidden: z.boolean().optional(),
  recorder: z.boolean().optional(),
});

const claimsSchema = z.looseObject({
  iss: z.string(),
  sub: z.string().optional(),
  exp: z.number().optional(),
  nbf: z.number().optional(),
  name: z.string().optional(),
  metadata: z.string().optional(),
  kind: z.string().optional(),
  attributes: z.record(z.string(), z.string()).optional(),
  video: videoGrantSchema.optional(),
  sha256: z.string().optional(),
});

export type VideoGrant = z.infer<typeof videoGrantSchema>;
export type AccessTokenClaims = z.infer<typeof claimsSchema>;

/** Go's verifier (livekit/protocol auth) validates `exp` and `nbf` with this much leeway. */
const CLOCK_LEEWAY_S = 60;

export type AccessTokenErrorCode =
  | 'malformed_token'
  | 'unknown_api_key'
  | 'invalid_signature'
  | 'missing_expiry'
  | 'token_expired'
  | 'token_not_yet_valid';

export class AccessTokenError extends Error {
  readonly code: AccessTokenErrorCode;

  constructor(code: AccessTokenErrorCode, message: string) {
    super(message);
    this.name = 'AccessTokenError';
    this.code = code;
  }
}

function decodeJsonSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new AccessTokenError('malformed_token', 'invalid authorization token');
  }
}

/**
 * Verifies an HS256 token the way livekit-server does: the `iss` names a configured API key,
 * the signature uses that key's secret as UTF-8 bytes, `exp` is required.
 */
export function verifyAccessToken(
  token: string,
  secrets: ReadonlyMap<string, string>,
  nowMs: number = Date.now(),
): AccessTokenClaims {
  const parts = token.split('.');
  const [headerPart, payloadPart, signaturePart] = parts;
  if (parts.length !== 3 || headerPart === undefined || payloadPart === undefined) {
    throw new AccessTokenError('malformed_token', 'invalid authorization token');
  }
  const header = z.looseObject({ alg: z.string() }).safeParse(decodeJsonSegment(headerPart));
  if (!header.success || header.data.alg !== 'HS256') {
    throw new AccessTokenError('malformed_token', 'invalid authorization token');
  }
  const claims = claimsSchema.safeParse(decodeJsonSegment(payloadPart));
  if (!claims.success) {
    throw new AccessTokenError('malformed_token', 'invalid authorization token');
  }
  const secret = secrets.get(claims.data.iss);
  if (secret === undefined) {
    throw new AccessTokenError('unknown_api_key', `invalid API key: ${claims.data.iss}`);
  }
  const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest();
  const actual = Buffer.from(signaturePart ?? '', 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new AccessTokenError(
      'invalid_signature',
      'go-jose/go-jose: error in cryptographic primitive',
    );
  }
  const nowS = nowMs / 1000;
  if (claims.data.exp === undefined) {
    throw new AccessTokenError(
      'missing_expiry',
      'go-jose/go-jose/jwt: validation failed, no expiry (exp)',
    );
  }
  if (claims.data.exp + CLOCK_LEEWAY_S < nowS) {
    throw new AccessTokenError(
      'token_expired',
      'go-jose/go-jose/jwt: validation failed, token is expired (exp)',
    );
  }
  if (claims.data.nbf !== undefined && claims.data.nbf - CLOCK_LEEWAY_S > nowS) {
    throw new AccessTokenError(
      'token_not_yet_valid',
      'go-jose/go-jose/jwt: validation failed, token not valid yet (nbf)',
    );
  }
  return claims.data;
}

/** Signs claims as livekit's Go AccessToken does (HS256, `{"alg":"HS256","typ":"JWT"}`). */
export function signAccessToken(claims: Record<string, unknown>, secret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}
