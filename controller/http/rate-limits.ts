import rateLimit from '@fastify/rate-limit';
import type {
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { AppError } from '../errors.js';

export interface RateLimitOptions {
  /** Requests per minute from one address, before authentication (slows credential guessing). */
  readonly perIpPerMinute: number;
  /** Requests per minute from one identity, after authentication (one user cannot flood LiveKit). */
  readonly perIdentityPerMinute: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    limitByIp: onRequestHookHandler;
    limitByIdentity: preHandlerHookHandler;
    /** Counts one failed authentication from the request's address; true once over the limit. */
    overFailureLimit: (request: FastifyRequest) => Promise<boolean>;
  }
}

const identityKey = (request: FastifyRequest) =>
  request.principal?.kind === 'user' ? `uid:${request.principal.uid}` : `service:${request.ip}`;

/**
 * Rate limits for the routes a browser can call, as hooks a route opts into: one per address
 * before authentication, one per identity after it. Over a limit answers 429 `rate_limited`
 * with `Retry-After`.
 */
const rateLimits: FastifyPluginAsync<RateLimitOptions> = async (app, options) => {
  await app.register(rateLimit, { global: false });
  // createRateLimit counts without deciding: the plugin's own hooks let only the first limit
  // of a request run, and a route here has two.
  const limit = (max: number, key: (request: FastifyRequest) => string) => {
    const count = app.createRateLimit({ max, timeWindow: 60_000, keyGenerator: key });
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const result = await count(request);
      if (result.isAllowed || !result.isExceeded) return;
      reply.header('retry-after', result.ttlInSeconds);
      throw new AppError(
        'rate_limited',
        429,
        `Too many requests; retry in ${result.ttlInSeconds} s`,
      );
    };
  };
  app.decorate(
    'limitByIp',
    limit(options.perIpPerMinute, (request) => `ip:${request.ip}`),
  );
  app.decorate('limitByIdentity', limit(options.perIdentityPerMinute, identityKey));
  // Failures only: LiveKit's own webhooks come from one address and may be many a minute.
  const countFailure = app.createRateLimit({
    max: options.perIpPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => `failed:${request.ip}`,
  });
  app.decorate('overFailureLimit', async (request: FastifyRequest) => {
    const result = await countFailure(request);
    return !result.isAllowed && result.isExceeded;
  });
};

export const rateLimitsPlugin = fastifyPlugin(rateLimits, {
  name: 'rate-limits',
  fastify: '5.x',
  dependencies: ['authentication'],
});
