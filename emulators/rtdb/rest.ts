import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Identity, identityFromCredential } from './identity.js';
import type { Namespace, WriteStatus } from './namespace.js';
import { parsePath } from './path.js';
import { generatePushId } from './push-id.js';
import { parseWireQuery, type WireQuery } from './query.js';
import { RequestError } from './request-error.js';
import { RulesError } from './rules.js';

/** REST bodies larger than this are refused (the real limit is 256 MB; tests never need that). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new HttpError(413, 'Payload too large'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Invalid data; couldn't parse JSON object, array, or value.");
  }
}

function credentialOf(request: IncomingMessage, url: URL): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  return url.searchParams.get('auth') ?? url.searchParams.get('access_token') ?? undefined;
}

/** REST query parameters (JSON-encoded values) as the wire query object. */
function queryFromParams(params: URLSearchParams): WireQuery | undefined {
  const json = (name: string): unknown => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    try {
      return JSON.parse(raw);
    } catch {
      throw new HttpError(400, `${name} must be JSON`);
    }
  };
  const orderBy = json('orderBy');
  if (orderBy === undefined) return undefined;
  if (typeof orderBy !== 'string') throw new HttpError(400, 'orderBy must be a JSON string');
  const query: Record<string, unknown> = {};
  if (orderBy === '$key') query.i = '.key';
  else if (orderBy === '$value') query.i = '.value';
  else if (orderBy !== '$priority') query.i = orderBy;
  const equalTo = json('equalTo');
  query.sp = equalTo ?? json('startAt');
  query.ep = equalTo ?? json('endAt');
  const first = json('limitToFirst');
  const last = json('limitToLast');
  if (typeof first === 'number') Object.assign(query, { l: first, vf: 'l' });
  if (typeof last === 'number') Object.assign(query, { l: last, vf: 'r' });
  // Absent parameters come back undefined; the schema drops them and rejects odd values.
  return parseWireQuery(JSON.parse(JSON.stringify(query)));
}

function shallow(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .filter((key) => key !== '.priority')
      .map((key) => [key, true]),
  );
}

function stripPriorities(value: unknown): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if ('.value' in record) return record['.value'];
  return Object.fromEntries(
    Object.entries(record)
      .filter(([key]) => key !== '.priority')
      .map(([key, child]) => [key, stripPriorities(child)]),
  );
}

/** A body sent as it is, not JSON-encoded: the rules source keeps its comments. */
class RawText {
  constructor(readonly text: string) {}
}

function respond(response: ServerResponse, status: number, body: unknown, url?: URL): void {
  if (body instanceof RawText) {
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body.text);
    return;
  }
  const print = url?.searchParams.get('print');
  if (print === 'silent' && status < 300) {
    response.writeHead(204).end();
    return;
  }
  const text = JSON.stringify(body, null, print === 'pretty' ? 2 : undefined);
  response
    .writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'access-control-allow-origin': '*',
    })
    .end(text);
}

export interface RestContext {
  namespaceFor(name: string): Namespace;
}

function namespaceName(request: IncomingMessage, url: URL): string {
  const ns = url.searchParams.get('ns');
  if (ns !== null && ns !== '') return ns;
  return (request.headers.host ?? '').split('.')[0]?.split(':')[0] ?? '';
}

function writeStatusError(status: WriteStatus): void {
  if (status === 'permission_denied') throw new HttpError(401, 'Permission denied');
  if (status !== 'ok') throw new HttpError(409, status);
}

async function handleRules(
  request: IncomingMessage,
  url: URL,
  namespace: Namespace,
  identity: Identity,
): Promise<[number, unknown]> {
  if (request.method === 'GET') {
    if (url.searchParams.get('format') === 'strict') return [200, namespace.rulesJson];
    return [200, new RawText(namespace.rulesSource)];
  }
  if (request.method !== 'PUT') throw new HttpError(405, 'Method not allowed');
  if (identity.kind !== 'admin') throw new HttpError(401, 'Permission denied');
  const text = await readBody(request);
  let source = text;
  // The Admin SDK may send the rules as a JSON string holding the source.
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') source = parsed;
  } catch {
    // Comments make the text invalid JSON; it is rules source as sent.
  }
  try {
    namespace.setRules(source);
  } catch (error) {
    if (error instanceof RulesError) throw new HttpError(400, error.message);
    throw error;
  }
  return [200, { status: 'ok' }];
}

async function handleData(
  request: IncomingMessage,
  url: URL,
  namespace: Namespace,
  identity: Identity,
): Promise<[number, unknown]> {
  let rawPath: string;
  try {
    rawPath = decodeURIComponent(url.pathname.slice(0, -'.json'.length));
  } catch {
    throw new HttpError(400, 'Invalid path');
  }
  const path = parsePath(rawPath);
  switch (request.method) {
    case 'GET': {
      const result = namespace.read(identity, path, queryFromParams(url.searchParams));
      if (result === undefined) throw new HttpError(401, 'Permission denied');
      if (url.searchParams.get('shallow') === 'true') return [200, shallow(result.value)];
      if (url.searchParams.get('format') === 'export') return [200, result.value];
      return [200, stripPriorities(result.value)];
    }
    case 'PUT': {
      const body = parseJsonBody(await readBody(request));
      writeStatusError(namespace.set(identity, rawPath, body));
      return [200, namespace.valueAt(path)];
    }
    case 'POST': {
      const body = parseJsonBody(await readBody(request));
      const name = generatePushId(Date.now());
      writeStatusError(namespace.set(identity, `${rawPath}/${name}`, body));
      return [200, { name }];
    }
    case 'PATCH': {
      const body = parseJsonBody(await readBody(request));
      writeStatusError(namespace.update(identity, rawPath, body));
      return [200, body];
    }
    case 'DELETE':
      writeStatusError(namespace.set(identity, rawPath, null));
      return [200, null];
    default:
      throw new HttpError(405, 'Method not allowed');
  }
}

/** The REST surface: `/<path>.json` data, and the rules at `/.settings/rules.json`. */
export async function handleRestRequest(
  context: RestContext,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  try {
    if (request.method === 'OPTIONS') {
      response
        .writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, PUT, POST, PATCH, DELETE',
          'access-control-allow-headers': 'authorization, content-type',
        })
        .end();
      return;
    }
    if (!url.pathname.endsWith('.json')) throw new HttpError(404, 'Not found');
    const name = namespaceName(request, url);
    if (name === '') throw new HttpError(400, 'Missing namespace (?ns=)');
    const identity = identityFromCredential(credentialOf(request, url));
    if (identity === undefined) throw new HttpError(401, 'Could not parse auth token.');
    const namespace = context.namespaceFor(name);
    const [status, body] =
      url.pathname === '/.settings/rules.json'
        ? await handleRules(request, url, namespace, identity)
        : await handleData(request, url, namespace, identity);
    respond(response, status, body, url);
  } catch (error) {
    if (error instanceof HttpError) respond(response, error.status, { error: error.message });
    else if (error instanceof RequestError) respond(response, 400, { error: error.message });
    else respond(response, 500, { error: (error as Error).message });
  }
}
