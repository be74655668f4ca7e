import { GcsError } from '../gcs-error.js';
import { sendObjectMedia } from '../http-io.js';
import type { RoutedRequest, RouteOf, StorageContext } from '../storage-context.js';

const REQUIRED = [
  'X-Goog-Algorithm',
  'X-Goog-Credential',
  'X-Goog-Date',
  'X-Goog-Expires',
  'X-Goog-SignedHeaders',
  'X-Goog-Signature',
] as const;

const MAX_EXPIRES_SECONDS = 604_800;

/** `X-Goog-Date` (`yyyymmddThhmmssZ`) as epoch milliseconds, or undefined when malformed. */
function signedAt(text: string): number | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text);
  if (match === null) return undefined;
  const [, year, month, day, hour, minute, second] = match.map(Number);
  return Date.UTC(year ?? 0, (month ?? 1) - 1, day, hour, minute, second);
}

/**
 * `GET /{bucket}/{name}?X-Goog-Algorithm=GOOG4-RSA-SHA256&...`: a V4 signed read. The window
 * (`X-Goog-Date` + `X-Goog-Expires`) is enforced; the RSA signature is not checked, since the
 * key that made it lives in the client under test.
 */
export async function getSignedUrlMedia(
  ctx: StorageContext,
  { req, res, route, query }: RoutedRequest<RouteOf<'signed-url-media'>>,
) {
  const missing = REQUIRED.find((name) => query.get(name) === null);
  if (missing !== undefined) throw new GcsError(400, 'invalid', `Missing ${missing}.`);
  if (query.get('X-Goog-Algorithm') !== 'GOOG4-RSA-SHA256') {
    throw new GcsError(400, 'invalid', 'Unsupported X-Goog-Algorithm.');
  }
  const start = signedAt(query.get('X-Goog-Date') ?? '');
  const expires = Number(query.get('X-Goog-Expires'));
  if (start === undefined || !Number.isInteger(expires) || expires > MAX_EXPIRES_SECONDS) {
    throw new GcsError(400, 'invalid', 'Invalid X-Goog-Date or X-Goog-Expires.');
  }
  if (Date.now() > start + expires * 1000) {
    throw new GcsError(400, 'invalid', 'ExpiredToken: the signed URL has expired.');
  }
  const object = ctx.store.require(route.bucket, route.name);
  await sendObjectMedia(req, res, object);
}
