import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import type { LogLevel } from '../config/load-config.js';

export type { Logger } from 'pino';

/**
 * Every place a secret can sit in a log line. Redaction is configured here once, so no call
 * site has to remember to hide anything: a new secret gets a path here, not a mask at a call.
 */
export const REDACTED_PATHS: readonly string[] = [
  'config.livekit.apiSecret',
  'config.livekit.webhookApiSecret',
  'config.control.apiKey',
  'config.firebase.privateKey',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'token',
  'idToken',
  '*.token',
  '*.idToken',
  '*.accessToken',
  '*.downloadToken',
];

interface SerializedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly remoteAddress: string | undefined;
}

interface RequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ip?: string;
  readonly socket?: { readonly remoteAddress?: string | undefined };
}

function serializeRequest(req: RequestLike): SerializedRequest {
  return {
    method: req.method,
    url: req.url,
    headers: req.headers,
    remoteAddress: req.ip ?? req.socket?.remoteAddress,
  };
}

export function loggerOptions(level: LogLevel): LoggerOptions {
  return {
    level,
    base: { service: 'controller' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: [...REDACTED_PATHS], censor: '[redacted]' },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
  };
}

/** The controller's logger: JSON lines to stdout, or to `destination` (tests capture it). */
export function createLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return destination === undefined
    ? pino(loggerOptions(level))
    : pino(loggerOptions(level), destination);
}
