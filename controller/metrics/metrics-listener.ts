import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logging/logger.js';
import type { ControllerMetrics } from './controller-metrics.js';

/**
 * METRICS_PORT: a second listener that answers `GET /metrics` with no credentials, for a
 * Prometheus on a private network. Its bind address (METRICS_HOST) is what protects it.
 */
export class MetricsListener {
  private server: Server | undefined;

  constructor(
    private readonly metrics: ControllerMetrics,
    private readonly logger: Logger,
  ) {}

  async listen(host: string, port: number): Promise<string> {
    const server = createServer((request, response) => {
      const path = (request.url ?? '').split('?')[0];
      if (request.method !== 'GET' || path !== '/metrics') {
        response.writeHead(404, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({
            error: { code: 'not_found', message: 'Only GET /metrics is served here' },
          }),
        );
        return;
      }
      this.metrics.exposition().then(
        ({ contentType, body }) => {
          response.writeHead(200, { 'content-type': contentType });
          response.end(body);
        },
        (error: unknown) => {
          this.logger.error({ err: error }, 'metrics could not be collected');
          response.writeHead(500, { 'content-type': 'application/json' });
          response.end(
            JSON.stringify({ error: { code: 'internal_error', message: 'Metrics failed' } }),
          );
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return `http://${address.address}:${address.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
