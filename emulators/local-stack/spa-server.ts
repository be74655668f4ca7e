import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { RawRuntimeConfig } from '../../web/src/config/runtime-config.js';
import { type ConfigForm, renderIndexHtml } from './index-html.js';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface SpaServerOptions {
  /** The built SPA (`npm run build:web` writes dist/web). */
  readonly dir: string;
  readonly host?: string;
  /** Absent or 0: a free port. */
  readonly port?: number;
  /** The settings written into index.html. */
  readonly config: RawRuntimeConfig;
  readonly configForm: ConfigForm;
}

export interface SpaServer {
  /** `http://<host>:<port>` */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Serves the built SPA with its settings written into index.html, as a static host with
 * server-side templating would. Unknown paths without an extension (room pages) get index.html.
 */
export async function startSpaServer(options: SpaServerOptions): Promise<SpaServer> {
  const template = await readFile(join(options.dir, 'index.html'), 'utf8');
  const indexHtml = renderIndexHtml(template, options.config, options.configForm);
  const root = normalize(options.dir);

  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://spa').pathname);
    const file = normalize(join(root, path));
    const serveIndex = () =>
      response
        .writeHead(200, { 'content-type': CONTENT_TYPES['.html'], 'cache-control': 'no-store' })
        .end(indexHtml);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (!file.startsWith(root + sep) || path === '/' || path === '/index.html') {
      serveIndex();
      return;
    }
    void stat(file)
      .then(async (found) => {
        if (!found.isFile()) throw new Error('not a file');
        const body = await readFile(file);
        response
          .writeHead(200, {
            'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
            'cache-control': 'public, max-age=31536000, immutable',
          })
          .end(body);
      })
      .catch(() => {
        if (extname(path) === '') serveIndex();
        else response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
