import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { AccessToken, WebhookReceiver } from 'livekit-server-sdk';
import { describe, expect, it } from 'vitest';
import {
  verifyWebhookSignature,
  WebhookSignatureError,
} from '../../../controller/egress/webhook-signature.js';
import { signWebhookBody } from '../../../emulators/livekit/webhooks/webhook-signature.js';

const keys = { apiKey: 'APIwebhooks', apiSecret: 'a-webhook-secret-of-32-characters-x' };
const body = JSON.stringify({ event: 'participant_joined', id: 'EV_1', createdAt: '1700000000' });
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64');
const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token as livekit-server-sdk's own AccessToken mints it, with the body's hash as a grant. */
async function sdkToken(text: string, ttlS = 300): Promise<string> {
  const token = new AccessToken(keys.apiKey, keys.apiSecret, { ttl: ttlS });
  token.sha256 = sha256(text);
  return token.toJwt();
}

const accepts = (text: string, authorization: string, nowS?: number) => {
  try {
    verifyWebhookSignature(text, authorization, keys, nowS);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookSignatureError);
    return false;
  }
};

describe('webhook signatures', () => {
  it('accepts what livekit-server and its SDK sign', async () => {
    expect(accepts(body, signWebhookBody(body, keys.apiKey, keys.apiSecret))).toBe(true);
    expect(accepts(body, await sdkToken(body))).toBe(true);
  });

  it('refuses another body, key, secret or a tampered token', async () => {
    const token = await sdkToken(body);
    expect(accepts(`${body} `, token)).toBe(false);
    expect(accepts(body, signWebhookBody(body, 'APIother', keys.apiSecret))).toBe(false);
    expect(accepts(body, signWebhookBody(body, keys.apiKey, 'another-secret'))).toBe(false);
    const [header, payload, signature] = token.split('.');
    const forged = b64url({
      ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()),
      sha256: sha256('x'),
    });
    expect(accepts('x', `${header}.${forged}.${signature}`)).toBe(false);
    expect(accepts(body, `Bearer ${token}`)).toBe(false);
  });

  it('refuses unsigned, expired, not-yet-valid and exp-less tokens', () => {
    const nowS = Math.floor(Date.now() / 1000);
    const claims = { iss: keys.apiKey, sha256: sha256(body), exp: nowS + 60 };
    expect(accepts(body, `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`)).toBe(false);
    const token = signWebhookBody(body, keys.apiKey, keys.apiSecret);
    expect(accepts(body, token, nowS + 5 * 60 + 11)).toBe(false);
    expect(accepts(body, token, nowS + 5 * 60 + 5)).toBe(true);
    expect(accepts(body, token, nowS - 11)).toBe(false);
    expect(accepts(body, token, nowS - 5)).toBe(true);
  });

  it('agrees with the SDK’s WebhookReceiver on any body and any corruption of the token', async () => {
    const receiver = new WebhookReceiver(keys.apiKey, keys.apiSecret);
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 200 }),
        fc.boolean(),
        fc.nat(400),
        fc.integer({ min: 0, max: 255 }),
        async (id, corrupt, position, code) => {
          // A webhook body (the SDK also parses it; the route does so before the signature).
          const text = JSON.stringify({ event: 'room_started', id });
          let token = await sdkToken(text);
          if (corrupt) {
            const at = position % token.length;
            token = `${token.slice(0, at)}${String.fromCharCode(code)}${token.slice(at + 1)}`;
          }
          const sdk = await receiver.receive(text, token).then(
            () => true,
            () => false,
          );
          expect(accepts(text, token)).toBe(sdk);
        },
      ),
      { numRuns: 200 },
    );
  });
});
