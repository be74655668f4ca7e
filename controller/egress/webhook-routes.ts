import type { FastifyPluginAsync } from 'fastify';
import { WebhookEvent } from 'livekit-server-sdk';
import { AppError } from '../errors.js';
import { type EgressSnapshot, egressSnapshot } from './egress-snapshot.js';
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

/**
 * `POST /webhooks/livekit`. The signature covers the exact bytes received, so it is checked
 * over the raw body. A failure to record the event answers 503, so LiveKit retries it.
 */
export const webhookRoutes: FastifyPluginAsync<WebhookRoutesOptions> = async (app, options) => {
  app.post('/webhooks/livekit', async (request) => {
    const body = request.rawBody ?? '';
    let claimed: WebhookEvent;
    try {
      claimed = WebhookEvent.fromJson(JSON.parse(body), { ignoreUnknownFields: true });
    } catch (cause) {
      options.onReceived?.('unknown', 'malformed');
      throw new AppError('invalid_webhook', 400, 'The body is not a LiveKit webhook event', {
        cause,
      });
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
    const event = claimed;
    request.log.info(
      { event: event.event, id: event.id, egressId: event.egressInfo?.egressId },
      'webhook',
    );
    options.onReceived?.(event.event, 'valid');
    if (EGRESS_EVENTS.has(event.event) && event.egressInfo !== undefined) {
      try {
        await options.onEgress(egressSnapshot(event.egressInfo));
      } catch (cause) {
        request.log.error({ err: cause }, 'could not apply the egress event');
        throw new AppError('unavailable', 503, 'The event could not be recorded; retry', { cause });
      }
    }
    return { received: true };
  });
};
