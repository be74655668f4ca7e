import {
  createHash,
  createHmac,
  createSecretKey,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { apiKeyMatches } from '../http/authentication.js';
import { isPlainJsonObject } from '../json-object.js';

/** livekit-server-sdk's TokenVerifier default: clocks may disagree by this much. */
const CLOCK_TOLERANCE_S = 10;

export interface WebhookKeys {
  readonly apiKey: string;
  readonly apiSecret: string;
}

/** Why a webhook's `Authorization` was refused (logged, never sent back). */
export class WebhookSignatureError extends Error {
  readonly code = 'invalid_signature';
}

/** The HMAC key of each secret, made once: building it from the string cost more than the MAC. */
const hmacKeys = new Map<string, KeyObject>();
function hmacKey(secret: string): KeyObject {
  let key = hmacKeys.get(secret);
  if (key === undefined) {
    key = createSecretKey(secret, 'utf8');
    hmacKeys.clear();
    hmacKeys.set(secret, key);
  }
  return key;
}

/** A signer sends the same header every time: each seen header is decoded once. */
const headerAlgorithms = new Map<string, unknown>();
function algorithmOf(header: string): unknown {
  if (headerAlgorithms.has(header)) return headerAlgorithms.get(header);
  const algorithm = jsonObject(header, 'header').alg;
  if (headerAlgorithms.size >= 8) headerAlgorithms.clear();
  headerAlgorithms.set(header, algorithm);
  return algorithm;
}

const refuse = (reason: string): never => {
  throw new WebhookSignatureError(reason);
};

function jsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return refuse(`${what} is not base64url JSON`);
  }
  if (!isPlainJsonObject(value)) return refuse(`${what} is not a JSON object`);
  return value;
}

/**
 * Checks a LiveKit webhook as `WebhookReceiver.receive` does (livekit-server-sdk 2.x): the
 * `Authorization` value is an HS256 JWT from our API key (`iss`), with `exp` (required) and any
 * `nbf` within 10 s of now, whose `sha256` claim is the padded base64 SHA-256 of the exact body.
 * Done with node:crypto, synchronously: the SDK's WebCrypto path (jose) cost ~0.2 ms a webhook
 * on the 2-core VM, more than the rest of the route, and capped webhooks at 0.4× of a no-op
 * route (bench/README.md). Only HS256 is accepted: it is all LiveKit signs with.
 */
export function verifyWebhookSignature(
  body: string,
  authorization: string,
  keys: WebhookKeys,
  nowS: number = Date.now() / 1000,
): void {
  const parts = authorization.split('.');
  if (parts.length !== 3) refuse('not a JWT');
  const [header, payload, signature] = parts as [string, string, string];
  if (algorithmOf(header) !== 'HS256') refuse('not signed with HS256');
  const expected = createHmac('sha256', hmacKey(keys.apiSecret))
    .update(`${header}.${payload}`)
    .digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    refuse('signature mismatch');
  const claims = jsonObject(payload, 'payload');
  // The key id is no secret (it travels in every token), but all key comparisons are one kind.
  if (typeof claims.iss !== 'string' || !apiKeyMatches(keys.apiKey, claims.iss))
    refuse('issued by another API key');
  if (typeof claims.exp !== 'number') refuse('no exp claim');
  if ((claims.exp as number) <= nowS - CLOCK_TOLERANCE_S) refuse('expired');
  if (
    claims.nbf !== undefined &&
    (typeof claims.nbf !== 'number' || claims.nbf > nowS + CLOCK_TOLERANCE_S)
  )
    refuse('not yet valid');
  if (claims.iat !== undefined && typeof claims.iat !== 'number') refuse('malformed iat');
  const bodyHash = createHash('sha256').update(body, 'utf8').digest('base64');
  if (claims.sha256 !== bodyHash) refuse('sha256 checksum of body does not match');
}
