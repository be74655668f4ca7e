import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Config } from '../config/load-config.js';
import type { Logger } from '../logging/logger.js';
import { authenticationPlugin, type IdTokenVerifier } from './authentication.js';
import { errorEnvelopePlugin } from './error-envelope.js';
import { healthPlugin } from './health.js';
import { jsonBodyPlugin } from './json-body.js';
import { rateLimitsPlugin } from './rate-limits.js';

/** Every refusal and failure (error-envelope.ts), documented for every route as 4XX and 5XX. */
const ERROR_RESPONSE = {
  description: 'A refusal or failure, with a stable code',
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
} as const;

/** The zod schemas as JSON Schema, and the error envelope beside each route's own answers. */
const documentRoute: typeof jsonSchemaTransform = (input) => {
  const transformed = jsonSchemaTransform(input);
  // A route without a schema (health, metrics) comes back without one.
  const schema = transformed.schema ?? {};
  // A route that declares no answer (health as JSON, metrics as Prometheus text) answers 200;
  // its shape is in the README.
  const declared = (schema.response ?? {
    200: { description: 'OK', content: { '*/*': { schema: {} } } },
  }) as Record<string, unknown>;
  return {
    ...transformed,
    schema: { ...schema, response: { ...declared, '4xx': ERROR_RESPONSE, '5xx': ERROR_RESPONSE } },
  };
};

/** Our bodies are small commands and LiveKit webhooks (a few KiB); anything near this is abuse. */
export const BODY_LIMIT_BYTES = 64 * 1024;
const READINESS_CHECK_TIMEOUT_MS = 2_000;

export interface ServerDependencies {
  readonly config: Config;
  readonly logger: Logger;
  readonly idTokenVerifier: IdTokenVerifier;
}

/**
 * The controller's HTTP server with its shared plugins: JSON bodies, the error envelope,
 * authentication, CORS and health. Feature routes register on the returned instance.
 */
export async function buildServer(deps: ServerDependencies) {
  // Typed as fastify's logger so route hooks from shared plugins fit every instance.
  const loggerInstance: FastifyBaseLogger = deps.logger;
  const app = Fastify({
    loggerInstance,
    bodyLimit: BODY_LIMIT_BYTES,
    // Behind Docker's port mapping or a reverse proxy; X-Forwarded-For from loopback only.
    trustProxy: 'loopback',
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Node's default. Fastify's 72 s would let one idle keep-alive client (LiveKit's webhook
    // sender) hold a graceful shutdown open for longer than any orchestrator waits.
    keepAliveTimeout: 5_000,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // First, so every route registered after it is described in /openapi.json.
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'LiveKit + Firebase recording controller',
        version: '1',
        description: 'Tokens, recordings and health of the self-hosted recording stack.',
      },
      components: {
        securitySchemes: {
          idToken: { type: 'http', scheme: 'bearer', description: 'Firebase ID token' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
    },
    transform: documentRoute,
  });
  await app.register(errorEnvelopePlugin);
  await app.register(jsonBodyPlugin);
  await app.register(cors, {
    origin: deps.config.control.corsOrigins.includes('*')
      ? true
      : [...deps.config.control.corsOrigins],
    methods: ['GET', 'POST', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-api-key'],
    maxAge: 600,
  });
  await app.register(authenticationPlugin, {
    apiKey: deps.config.control.apiKey,
    verifier: deps.idTokenVerifier,
  });
  await app.register(rateLimitsPlugin, deps.config.control.rateLimits);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthPlugin, {
    apiKey: deps.config.control.apiKey,
    checkTimeoutMs: READINESS_CHECK_TIMEOUT_MS,
  });
  return app;
}

export type Server = Awaited<ReturnType<typeof buildServer>>;
