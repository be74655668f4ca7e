import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Message } from '@bufbuild/protobuf';
import type { Caller } from './caller-permissions.js';
import { clearEmptyOneofs } from './empty-oneofs.js';
import { livekitErrors, TwirpError } from './twirp-error.js';
import { toTwirpJson } from './twirp-json.js';
import type { TwirpService } from './twirp-method.js';

/** livekit-server's `limit.max_api_request_body_size` default. */
const MAX_BODY_BYTES = 10 * 1024 * 1024;

type Encoding = 'json' | 'protobuf';

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(livekitErrors.bodyUnreadable());
        request.resume();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', () => reject(livekitErrors.bodyUnreadable()));
  });
}

function badRoute(message: string, request: IncomingMessage, path: string): TwirpError {
  return new TwirpError('bad_route', message, { twirp_invalid_route: `${request.method} ${path}` });
}

/** Twirp compares the media type before any `;`, lower-cased. */
function encodingOf(contentType: string | undefined): Encoding | undefined {
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType === 'application/json') return 'json';
  if (mediaType === 'application/protobuf') return 'protobuf';
  return undefined;
}

function decode(service: TwirpService, method: string, encoding: Encoding, body: Buffer): Message {
  const type = service.methods[method]?.input;
  if (type === undefined) throw new Error(`no input type for ${method}`);
  if (encoding === 'protobuf') {
    try {
      return type.fromBinary(body);
    } catch {
      throw livekitErrors.malformedProtobuf();
    }
  }
  let message: Message;
  try {
    message = type.fromJson(JSON.parse(body.toString('utf8')), { ignoreUnknownFields: true });
  } catch {
    throw livekitErrors.malformedJson();
  }
  clearEmptyOneofs(message);
  return message;
}

function send(
  response: ServerResponse,
  status: number,
  contentType: string,
  body: string | Uint8Array,
): void {
  response.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
  });
  response.end(body);
}

export function sendTwirpError(response: ServerResponse, error: TwirpError): void {
  // Exactly `application/json`: livekit-server-sdk parses the body only for that type.
  send(response, error.httpStatus, 'application/json', error.toBody());
}

/**
 * Serves `/twirp/livekit.<Service>/<Method>` as a Twirp v8 Go server does. Answers are
 * protojson with proto field names and every field present, as twirp's default marshaler.
 * Returns false when no service owns the path (the caller answers 404).
 */
export async function serveTwirp(
  request: IncomingMessage,
  response: ServerResponse,
  path: string,
  services: Readonly<Record<string, TwirpService>>,
  caller: Caller,
): Promise<boolean> {
  const match = /^\/twirp\/livekit\.([^/]+)\/([^/]*)$/.exec(path);
  const service = match?.[1] === undefined ? undefined : services[match[1]];
  if (match === null || service === undefined) return false;
  const method = match[2] ?? '';
  try {
    if (request.method !== 'POST') {
      throw badRoute(
        `unsupported method "${request.method}" (only POST is allowed)`,
        request,
        path,
      );
    }
    if (service.notEmulated.includes(method)) {
      throw new TwirpError('unimplemented', `${method} is not emulated`);
    }
    const handler = service.methods[method];
    if (handler === undefined) throw badRoute(`no handler for path "${path}"`, request, path);
    const encoding = encodingOf(request.headers['content-type']);
    if (encoding === undefined) {
      throw badRoute(
        `unexpected Content-Type: "${request.headers['content-type'] ?? ''}"`,
        request,
        path,
      );
    }
    const input = decode(service, method, encoding, await readBody(request));
    const output = await handler.handle(input, caller);
    if (encoding === 'protobuf') {
      send(response, 200, 'application/protobuf', output.toBinary());
    } else {
      send(response, 200, 'application/json', JSON.stringify(toTwirpJson(output)));
    }
  } catch (error) {
    sendTwirpError(
      response,
      error instanceof TwirpError ? error : new TwirpError('internal', (error as Error).message),
    );
  }
  return true;
}
