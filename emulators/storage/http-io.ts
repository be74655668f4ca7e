import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { resolveByteRange } from './byte-range.js';
import { GcsError, invalid } from './gcs-error.js';
import { mediaHeaders } from './object-resource.js';
import type { StoredObject } from './object-store.js';

const JSON_BODY_LIMIT = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: GcsError): void {
  const body = error.body;
  res.writeHead(error.status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

export function sendEmpty(res: ServerResponse, status: number, headers = {}): void {
  res.writeHead(status, { ...headers, 'content-length': 0 });
  res.end();
}

/** Reads a small (JSON) request body; larger than 1 MiB is a 400, as for GCS metadata. */
export async function readSmallBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length > JSON_BODY_LIMIT) throw invalid('Metadata part is too large.');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads and discards whatever is left of a request body. */
export async function drainBody(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discarded on purpose: the answer does not depend on it
  }
}

/** Streams an object's bytes from disk, honouring a single `Range`; never buffers the object. */
export async function sendObjectMedia(
  req: IncomingMessage,
  res: ServerResponse,
  object: StoredObject,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const range = resolveByteRange(req.headers.range, object.size);
  const headers = { ...mediaHeaders(object), ...extraHeaders };
  if (range === 'unsatisfiable') {
    throw new GcsError(
      416,
      'rangeNotSatisfiable',
      `Requested range not satisfiable; object size is ${object.size}.`,
    );
  }
  if (range === undefined) {
    res.writeHead(200, { ...headers, 'content-length': object.size });
  } else {
    res.writeHead(206, {
      ...headers,
      'content-length': range.end - range.start + 1,
      'content-range': `bytes ${range.start}-${range.end}/${object.size}`,
    });
  }
  if (req.method === 'HEAD' || object.size === 0) {
    res.end();
    return;
  }
  const file = createReadStream(object.dataPath, range ?? {});
  await pipeline(file, res);
}
