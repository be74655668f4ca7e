import { GcsError, invalid } from '../gcs-error.js';
import { readSmallBody, sendEmpty, sendJson, sendObjectMedia } from '../http-io.js';
import { ObjectPatch, parseJsonBody } from '../object-metadata.js';
import { assertValidBucketName } from '../object-name.js';
import { gcsObjectResource } from '../object-resource.js';
import { assertPreconditions, preconditionsFrom } from '../preconditions.js';
import type { RoutedRequest, RouteOf, StorageContext } from '../storage-context.js';

const DEFAULT_PAGE_SIZE = 1000;

/** Any validly named bucket exists, as in the Firebase emulator. */
export function getBucket({ res, route, origin }: RoutedRequest<RouteOf<'bucket-get'>>) {
  assertValidBucketName(route.bucket);
  sendJson(res, 200, {
    kind: 'storage#bucket',
    id: route.bucket,
    name: route.bucket,
    selfLink: `${origin}/storage/v1/b/${route.bucket}`,
    projectNumber: '0',
    location: 'US',
    storageClass: 'STANDARD',
    locationType: 'multi-region',
    metageneration: '1',
    etag: 'CAE=',
    timeCreated: new Date(0).toISOString(),
    updated: new Date(0).toISOString(),
  });
}

const pageToken = {
  encode: (name: string) => Buffer.from(name, 'utf8').toString('base64url'),
  decode: (token: string) => Buffer.from(token, 'base64url').toString('utf8'),
};

/** `objects.list`: lexicographic, paginated by an opaque token, `prefixes` with a delimiter. */
export function listObjects(
  ctx: StorageContext,
  { res, route, query, origin }: RoutedRequest<RouteOf<'object-list'>>,
) {
  assertValidBucketName(route.bucket);
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const startOffset = query.get('startOffset') ?? '';
  const endOffset = query.get('endOffset');
  const maxResultsText = query.get('maxResults');
  const maxResults = maxResultsText === null ? DEFAULT_PAGE_SIZE : Number(maxResultsText);
  if (!Number.isInteger(maxResults) || maxResults < 1) {
    throw invalid(`Invalid value for maxResults: ${maxResultsText}`);
  }
  const token = query.get('pageToken');
  const after = token === null || token === '' ? undefined : pageToken.decode(token);

  const items: ReturnType<typeof gcsObjectResource>[] = [];
  const prefixes = new Set<string>();
  let lastEntry: string | undefined;
  let more = false;
  for (const object of ctx.store.list(route.bucket)) {
    const { name } = object;
    if (!name.startsWith(prefix) || name < startOffset) continue;
    if (endOffset !== null && name >= endOffset) continue;
    const cut = delimiter === '' ? -1 : name.indexOf(delimiter, prefix.length);
    const entry = cut === -1 ? name : name.slice(0, cut + delimiter.length);
    if (after !== undefined && entry <= after) continue;
    if (entry === lastEntry) continue;
    if (items.length + prefixes.size === maxResults) {
      more = true;
      break;
    }
    lastEntry = entry;
    if (cut === -1) items.push(gcsObjectResource(object, origin));
    else prefixes.add(entry);
  }
  sendJson(res, 200, {
    kind: 'storage#objects',
    ...(more && lastEntry !== undefined ? { nextPageToken: pageToken.encode(lastEntry) } : {}),
    ...(prefixes.size > 0 ? { prefixes: [...prefixes] } : {}),
    ...(items.length > 0 ? { items } : {}),
  });
}

function requireGeneration(
  query: URLSearchParams,
  generation: string,
  bucket: string,
  name: string,
) {
  const wanted = query.get('generation');
  if (wanted !== null && wanted !== generation) {
    throw new GcsError(404, 'notFound', `No such object: ${bucket}/${name}#${wanted}`);
  }
}

export function getObjectMetadata(
  ctx: StorageContext,
  { res, route, query, origin }: RoutedRequest<RouteOf<'object-metadata'>>,
) {
  const object = ctx.store.require(route.bucket, route.name);
  requireGeneration(query, object.generation, route.bucket, route.name);
  assertPreconditions(object, preconditionsFrom(query));
  sendJson(res, 200, gcsObjectResource(object, origin));
}

export async function getObjectMedia(
  ctx: StorageContext,
  { req, res, route, query }: RoutedRequest<RouteOf<'object-media'>>,
) {
  const object = ctx.store.require(route.bucket, route.name);
  requireGeneration(query, object.generation, route.bucket, route.name);
  assertPreconditions(object, preconditionsFrom(query));
  await sendObjectMedia(req, res, object);
}

export async function patchObject(
  ctx: StorageContext,
  { req, res, route, query, origin }: RoutedRequest<RouteOf<'object-patch'>>,
) {
  const patch = parseJsonBody(await readSmallBody(req), ObjectPatch);
  const object = await ctx.store.patch(route.bucket, route.name, patch, preconditionsFrom(query));
  sendJson(res, 200, gcsObjectResource(object, origin));
}

export async function deleteObject(
  ctx: StorageContext,
  { res, route, query }: RoutedRequest<RouteOf<'object-delete'>>,
) {
  await ctx.store.delete(route.bucket, route.name, preconditionsFrom(query));
  sendEmpty(res, 204);
}
