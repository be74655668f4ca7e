import type { FastifyPluginAsync } from 'fastify';
import type { ControllerMetrics } from './controller-metrics.js';

/**
 * `GET /metrics` on the API port: Prometheus text, for the API key only (the counts tell an
 * outsider how busy the service is). A private listener without the key: `metrics-listener.ts`.
 */
export const metricsRoutes: FastifyPluginAsync<{ readonly metrics: ControllerMetrics }> = async (
  app,
  options,
) => {
  app.get(
    '/metrics',
    {
      onRequest: [app.limitByIp, app.requireAuth(['apiKey'])],
      schema: {
        description: 'Prometheus text exposition (version 0.0.4) of this controller; API key only',
        security: [{ apiKey: [] }],
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await options.metrics.exposition();
      return reply.type(contentType).send(body);
    },
  );
};
