import type { FastifyPluginAsync } from 'fastify';
import type { EgressInfo } from 'livekit-server-sdk';
import { EGRESS_ID_PATTERN } from '../../common/recording/recording-paths.js';
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
  /**
   * Told of every webhook by event and verification result (metrics). The event is one of
   * WEBHOOK_EVENTS, `other` for a signed event of another name, `unknown` when unverified:
   * a metric label keeps every value it is given, so none comes from an unsigned body.
   */
  readonly onReceived?: (event: WebhookEventLabel, verification: WebhookVerification) => void;
}

export type WebhookVerification = 'valid' | 'invalid_signature' | 'malformed' | 'rate_limited';

/** The events LiveKit's server sends (its webhook `event` field, protocol `livekit_webhook.proto`). */
export const WEBHOOK_EVENTS = [
  'room_started',
  'room_finished',
  'participant_joined',
  'participant_left',
  'participant_connection_aborted',
  'track_published',
  'track_unpublished',
  'egress_started',
  'egress_updated',
  'egress_ended',
  'ingress_started',
  'ingress_ended',
] as const;

export type WebhookEventLabel = (typeof WEBHOOK_EVENTS)[number] | 'other' | 'unknown';

const KNOWN_EVENTS: ReadonlySet<string> = new Set(WEBHOOK_EVENTS);
const eventLabel = (event: string): WebhookEventLabel =>
  KNOWN_EVENTS.has(event) ? (event as WebhookEventLabel) : 'other';

const EGRESS_EVENTS = new Set(['egress_started', 'egress_updated', 'egress_ended']);

const invalidSignature = () =>
  new AppError('invalid_signature', 401, 'The webhook is not signed with the configured key');

const rateLimited = () =>
  new AppError('rate_limited', 429, 'Too many unsigned webhooks from this address; retry later');

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
    // The signature first: nothing of an unsigned body is read, logged or counted by name.
    try {
      const authorization = request.headers.authorization;
      if (authorization === undefined) throw new Error('no Authorization header');
      verifyWebhookSignature(request.rawBody ?? '', authorization, options);
    } catch (cause) {
      if (await app.overFailureLimit(request)) {
        options.onReceived?.('unknown', 'rate_limited');
        throw rateLimited();
      }
      request.log.warn(
        { reason: cause instanceof Error ? cause.message : String(cause) },
        'webhook refused',
      );
      options.onReceived?.('unknown', 'invalid_signature');
      throw invalidSignature();
    }
    let claimed: ReturnType<typeof envelopeOf>;
    try {
      claimed = envelopeOf(request.body);
    } catch (error) {
      options.onReceived?.('unknown', 'malformed');
      throw error;
    }
    options.onReceived?.(eventLabel(claimed.event), 'valid');
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
    // The id names a file beside the recordings (its manifest) when a recording is deleted.
    if (!EGRESS_ID_PATTERN.test(egressInfo.egressId)) throw malformed();
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
