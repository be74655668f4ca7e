import type { IncomingHttpHeaders } from 'node:http';
import { GcsError } from '../gcs-error.js';
import { drainBody, sendJson, sendObjectMedia } from '../http-io.js';
import { downloadTokensOf, firebaseObjectResource } from '../object-resource.js';
import type { RoutedRequest, RouteOf, StorageContext } from '../storage-context.js';

const permissionDenied = () => new GcsError(403, 'forbidden', 'Permission denied.');

// The web SDK marks every request with X-Firebase-Storage-Version, and a signed-in user's with
// `Authorization: Firebase <ID token>`; our deny-all client rules refuse both. A request with
// neither is firebase-admin (it sends no credentials when emulated): what an OAuth admin is in
// production.
const isEndUser = (headers: IncomingHttpHeaders) =>
  headers['x-firebase-storage-version'] !== undefined ||
  /^Firebase\s/i.test(headers.authorization ?? '');

/** `GET /v0/b/{bucket}/o/{name}`: Firebase metadata with `downloadTokens` (admin only). */
export function getFirebaseMetadata(
  ctx: StorageContext,
  { req, res, route }: RoutedRequest<RouteOf<'firebase-metadata'>>,
) {
  if (isEndUser(req.headers)) throw permissionDenied();
  const object = ctx.store.require(route.bucket, route.name);
  sendJson(res, 200, firebaseObjectResource(object));
}

/**
 * `GET /v0/b/{bucket}/o/{name}?alt=media&token=T`: the bytes behind a download URL. The token
 * is the whole authorisation; without a valid one, 403 (admins included, as with deny-all rules).
 */
export async function getFirebaseMedia(
  ctx: StorageContext,
  { req, res, route, query }: RoutedRequest<RouteOf<'firebase-media'>>,
) {
  const object = ctx.store.get(route.bucket, route.name);
  const token = query.get('token');
  if (object === undefined) {
    throw new GcsError(404, 'notFound', `Object '${route.name}' does not exist.`);
  }
  if (token === null || !downloadTokensOf(object).includes(token)) throw permissionDenied();
  await sendObjectMedia(req, res, object, {
    'content-disposition': object.contentDisposition ?? 'inline',
  });
}

/** Uploads, updates and deletes through `/v0` are end-user writes: always denied. */
export async function refuseFirebaseWrite({ req }: RoutedRequest<RouteOf<'firebase-write'>>) {
  await drainBody(req);
  throw permissionDenied();
}
