import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { RequestKind } from './faults.js';
import { GcsError, reasonForStatus } from './gcs-error.js';
import { drainBody, sendEmpty, sendError } from './http-io.js';
import { resolveRoute } from './route-table.js';
import {
  getFirebaseMedia,
  getFirebaseMetadata,
  refuseFirebaseWrite,
} from './routes/firebase-downloads.js';
import {
  deleteObject,
  getBucket,
  getObjectMedia,
  getObjectMetadata,
  listObjects,
  patchObject,
} from './routes/objects.js';
import {
  cancelResumableUpload,
  putUploadBytes,
  startResumableUpload,
} from './routes/resumable-uploads.js';
import { getSignedUrlMedia } from './routes/signed-urls.js';
import { simpleUpload } from './routes/simple-uploads.js';
import type { RoutedRequest, StorageContext } from './storage-context.js';

/** One line of the request log: what was asked and what was answered. */
export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  kind: RequestKind;
  readonly contentRange: string | undefined;
  status: number | 'connection-dropped';
}

const REQUEST_LOG_LIMIT = 1000;

const UPLOAD_BODY_KINDS = new Set<RequestKind>(['upload-put', 'upload-multipart', 'upload-media']);

const corsHeaders = (req: IncomingMessage) => ({
  'access-control-allow-origin': req.headers.origin ?? '*',
  'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
  'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '*',
  'access-control-expose-headers':
    'Content-Type, Content-Length, Content-Range, Range, Location, x-goog-hash, x-goog-generation, x-goog-metageneration, x-goog-stored-content-encoding, x-goog-stored-content-length',
  'access-control-max-age': '3600',
  vary: 'Origin',
});

async function route(ctx: StorageContext, request: RoutedRequest): Promise<void> {
  const { route } = request;
  switch (route.kind) {
    case 'cors-preflight':
      return sendEmpty(request.res, 204);
    case 'bucket-get':
      return getBucket({ ...request, route });
    case 'object-list':
      return listObjects(ctx, { ...request, route });
    case 'object-metadata':
      return getObjectMetadata(ctx, { ...request, route });
    case 'object-media':
      return getObjectMedia(ctx, { ...request, route });
    case 'object-patch':
      return patchObject(ctx, { ...request, route });
    case 'object-delete':
      return deleteObject(ctx, { ...request, route });
    case 'upload-start':
      return startResumableUpload(ctx, { ...request, route });
    case 'upload-put':
      return putUploadBytes(ctx, { ...request, route });
    case 'upload-cancel':
      return cancelResumableUpload(ctx, { ...request, route });
    case 'upload-multipart':
    case 'upload-media':
      return simpleUpload(ctx, { ...request, route });
    case 'firebase-metadata':
      return getFirebaseMetadata(ctx, { ...request, route });
    case 'firebase-media':
      return getFirebaseMedia(ctx, { ...request, route });
    case 'firebase-write':
      return refuseFirebaseWrite({ ...request, route });
    case 'signed-url-media':
      return getSignedUrlMedia(ctx, { ...request, route });
    case 'not-implemented':
      await drainBody(request.req);
      throw new GcsError(501, 'notImplemented', 'not implemented');
  }
}

async function handle(
  ctx: StorageContext,
  log: LoggedRequest[],
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const rawUrl = req.url ?? '/';
  const queryAt = rawUrl.indexOf('?');
  const path = queryAt === -1 ? rawUrl : rawUrl.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : rawUrl.slice(queryAt + 1));
  for (const [name, value] of Object.entries(corsHeaders(req))) res.setHeader(name, value);

  const entry: LoggedRequest = {
    method: req.method ?? 'GET',
    path: rawUrl,
    kind: 'not-implemented',
    contentRange: req.headers['content-range'],
    status: 'connection-dropped',
  };
  log.push(entry);
  if (log.length > REQUEST_LOG_LIMIT) log.shift();
  res.on('finish', () => {
    entry.status = res.statusCode;
  });

  try {
    const resolved = resolveRoute(entry.method, path, query);
    entry.kind = resolved.kind;
    const latency = ctx.faults.takeLatency(resolved.kind);
    if (latency > 0) await delay(latency);
    const failure = ctx.faults.takeFailure(resolved.kind);
    if (failure !== undefined && !UPLOAD_BODY_KINDS.has(resolved.kind)) {
      await drainBody(req);
      throw new GcsError(failure.status, reasonForStatus(failure.status), 'Injected failure.');
    }
    await route(ctx, {
      req,
      res,
      route: resolved,
      query,
      origin: `http://${req.headers.host ?? 'localhost'}`,
      failure,
    });
  } catch (error) {
    if (res.headersSent || res.destroyed) {
      res.destroy();
      return;
    }
    if (error instanceof GcsError) {
      sendError(res, error);
      return;
    }
    sendError(res, new GcsError(500, 'backendError', `Internal error: ${String(error)}`));
  }
}

/** The HTTP server: GCS JSON API, upload endpoints and Firebase `/v0` downloads. */
export function createStorageServer(ctx: StorageContext, log: LoggedRequest[]): Server {
  const server = createServer((req, res) => {
    void handle(ctx, log, req, res);
  });
  // Uploads of several GiB may take long; GCS keeps connections open while bytes flow.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  return server;
}
