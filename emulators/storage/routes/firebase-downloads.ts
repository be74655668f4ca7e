import { GcsError } from '../gcs-error.js';
import { sendJson, sendObjectMedia } from '../http-io.js';
import { downloadTokensOf, firebaseObjectResource } from '../object-resource.js';
import type { RoutedRequest, RouteOf, StorageContext } from '../storage-context.js';

const permissionDenied = () => new GcsError(403, 'forbidden', 'Permission denied.');

// Firebase's user requests carry `Authorization: Firebase <ID token>`; our deny-all client rules
// refuse them. A request with no credentials here is firebase-admin (it sends none when emulated),
// i.e. what an OAuth admin is in production.
const isEndUser = (authorization: string | undefined) =>
  authorization !== undefined && /^Firebase\s/i.test(authorization);

/** `GET /v0/b/{bucket}/o/{name}`: Firebase metadata with `downloadTokens` (admin only). */
export function getFirebaseMetadata(
  ctx: StorageContext,
  { req, res, route }: RoutedRequest<RouteOf<'firebase-metadata'>>,
) {
  if (isEndUser(req.headers.authorization)) throw permissionDenied();
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
