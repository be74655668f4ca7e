import type { FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body exactly as received: webhook signatures are computed over these bytes. */
    rawBody: string | undefined;
  }
}

/** LiveKit posts webhooks as `application/webhook+json`; everything else we accept is JSON. */
export const JSON_CONTENT_TYPES = ['application/json', 'application/webhook+json'] as const;

const jsonBody: FastifyPluginAsync = async (app) => {
  app.decorateRequest('rawBody', undefined);
  // Fastify's own parser, so prototype-poisoning protection and its errors stay as they are.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // Only JSON is spoken here: anything else (text/plain, forms) answers 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    [...JSON_CONTENT_TYPES],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = body.toString();
      request.rawBody = text;
      parseJson(request, text, done);
    },
  );
};

export const jsonBodyPlugin = fastifyPlugin(jsonBody, { name: 'json-body', fastify: '5.x' });
