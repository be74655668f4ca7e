import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageFaults } from './faults.js';
import { gcsObjectResource } from './object-resource.js';
import type { ObjectStore, StoredObject } from './object-store.js';
import type { RouteOf, StorageRoute } from './route-table.js';

export type { RouteOf };

import { sendJson } from './http-io.js';
import type { UploadSessions } from './upload-sessions.js';

/** The state every handler works on. */
export interface StorageContext {
  readonly store: ObjectStore;
  readonly sessions: UploadSessions;
  readonly faults: StorageFaults;
}

/** One request, resolved: handlers receive the route variant they serve. */
export interface RoutedRequest<Route extends StorageRoute = StorageRoute> {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: Route;
  readonly query: URLSearchParams;
  /** `http://host:port` as the client addressed us; session URIs and links start with it. */
  readonly origin: string;
  /** A fault switch asked to fail this request after some body bytes (uploads only). */
  readonly failure: { readonly status: number; readonly afterBytes: number } | undefined;
}

/**
 * Answers a request that has just committed an object: 200 and its resource, unless a fault
 * switch wants the answer lost (connection dropped after the commit) or its checksums wrong.
 */
export function answerCommitted(
  ctx: StorageContext,
  request: RoutedRequest,
  object: StoredObject,
): void {
  const { req, res, route } = request;
  if (ctx.faults.takeLostFinalResponse(route.kind)) {
    req.socket.resetAndDestroy();
    return;
  }
  const resource = gcsObjectResource(object, request.origin);
  if (ctx.faults.takeCorruptChecksum(route.kind)) {
    sendJson(res, 200, { ...resource, crc32c: 'AAAAAA==', md5Hash: '1B2M2Y8AsgTpgAmY7PhCfg==' });
    return;
  }
  sendJson(res, 200, resource);
}
