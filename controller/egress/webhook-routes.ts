import type { FastifyPluginAsync } from 'fastify';
import type { EgressInfo } from 'livekit-server-sdk';
import { AppError } from '../errors.js';
import { isPlainJsonObject } from '../json-object.js';
import { type EgressSnapshot, egressSnapshot } from './egress-snapshot.js';
import { egressInfoFromWebhook } from './webhook-egress-info.js';
import { verifyWebhookSignature } from './webhook-signature.js';

export interface WebhookRoutesOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Brings the egress's record up to date; must be idempotent (events repeat and reorder). */
  readonly onEgress: (egress: EgressSnapshot) => Promise<void>;
  /** Told of every webhook by event name and verification result (metrics). */
  readonly onReceived?: (
    event: string,
    verification: 'valid' | 'invalid_signature' | 'malformed',
  ) => void;
}

const EGRESS_EVENTS = new Set(['egress_started', 'egress_updated', 'egress_ended']);

const invalidSignature = () =>
  new AppError('invalid_signature', 401, 'The webhook is not signed with the configured key');

const malformed = (cause?: unknown) =>
  new AppError('invalid_webhook', 400, 'The body is not a LiveKit webhook event', { cause });

/** The envelope every LiveKit webhook has (from the body fastify parsed); the rest waits. */
function envelopeOf(json: unknown): { event: string; id: string; egressInfo: unknown } {
  if (!isPlainJsonObject(json)) throw malformed();
  const { event = '', id = '', egressInfo } = json;
  if (typeof event !== 'string' || typeof id !== 'string') throw malformed();
  return { event, id, egressInfo };
}

/**
 * `POST /webhooks/livekit`. The signature covers the exact bytes received, so it is checked
 * over the raw body. A failure to record the event answers 503, so LiveKit retries it.
 *
 * LiveKit posts an event for every join, leave and track; only egress events change anything
 * here. So the route is lean: the body is parsed once (by fastify), only the fields read of an
 * egress event's `egressInfo` are decoded as protobuf JSON, a delivery is logged at debug (warn
 * when refused; what it changes is logged at info by the store), and fastify's own two lines a
 * request are left out for this route.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, options) => {
  // Quiet at info; an operator who asks for debug sees every delivery and fastify's lines too.
  const logLevel = app.log.level === 'debug' || app.log.level === 'trace' ? 'debug' : 'warn';
  app.post('/webhooks/livekit', { logLevel }, async (request) => {
    const body = request.rawBody ?? '';
    let claimed: ReturnType<typeof envelopeOf>;
    try {
      claimed = envelopeOf(request.body);
    } catch (error) {
      options.onReceived?.('unknown', 'malformed');
      throw error;
    }
    const authorization = request.headers.authorization;
    if (authorization === undefined) {
      options.onReceived?.(claimed.event || 'unknown', 'invalid_signature');
      throw invalidSignature();
    }
    try {
      verifyWebhookSignature(body, authorization, options);
    } catch (cause) {
      request.log.warn(
        { reason: cause instanceof Error ? cause.message : String(cause) },
        'webhook refused',
      );
      options.onReceived?.(claimed.event || 'unknown', 'invalid_signature');
      throw invalidSignature();
    }
    options.onReceived?.(claimed.event, 'valid');
    if (!EGRESS_EVENTS.has(claimed.event)) {
      request.log.debug({ event: claimed.event, id: claimed.id }, 'webhook');
      return { received: true };
    }
    if (claimed.egressInfo === undefined) return { received: true };
    let egressInfo: EgressInfo;
    try {
      egressInfo = egressInfoFromWebhook(claimed.egressInfo);
    } catch (cause) {
      throw malformed(cause);
    }
    // What an event changes is logged at info where it is changed (the record's transitions).
    request.log.debug(
      { event: claimed.event, id: claimed.id, egressId: egressInfo.egressId },
      'webhook',
    );
    try {
      await options.onEgress(egressSnapshot(egressInfo));
    } catch (cause) {
      request.log.error({ err: cause }, 'could not apply the egress event');
      throw new AppError('unavailable', 503, 'The event could not be recorded; retry', { cause });
    }
    return { received: true };
  });
};
