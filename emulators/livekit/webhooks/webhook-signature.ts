import { createHash } from 'node:crypto';
import { signAccessToken } from '../auth/access-token.js';

/** livekit's notifier signs each body with a token valid for 5 minutes. */
const WEBHOOK_TOKEN_TTL_S = 5 * 60;

/**
 * The raw `Authorization` value livekit-server sends with a webhook (no `Bearer`): an HS256
 * token whose `sha256` claim is the standard, padded base64 SHA-256 of the exact body bytes.
 */
export function signWebhookBody(body: string, apiKey: string, apiSecret: string): string {
  const nowS = Math.floor(Date.now() / 1000);
  return signAccessToken(
    {
      iss: apiKey,
      iat: nowS,
      nbf: nowS,
      exp: nowS + WEBHOOK_TOKEN_TTL_S,
      sha256: createHash('sha256').update(body, 'utf8').digest('base64'),
    },
    apiSecret,
  );
}
