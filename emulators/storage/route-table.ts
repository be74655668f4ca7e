import type { RequestKind } from './faults.js';
import { invalid } from './gcs-error.js';

interface InBucket {
  readonly bucket: string;
}
interface ForObject extends InBucket {
  readonly name: string;
}
interface ForUploadSession extends InBucket {
  readonly uploadId: string;
}

/** What each kind of request addresses; names are decoded once, here. */
interface RouteTargets {
  'cors-preflight': object;
  'not-implemented': object;
  'bucket-get': InBucket;
  'object-list': InBucket;
  'object-metadata': ForObject;
  'object-media': ForObject;
  'object-patch': ForObject;
  'object-delete': ForObject;
  'firebase-metadata': ForObject;
  'firebase-media': ForObject;
  'firebase-write': object;
  'signed-url-media': ForObject;
  'upload-start': InBucket;
  'upload-multipart': InBucket;
  'upload-media': InBucket;
  'upload-put': ForUploadSession;
  'upload-cancel': ForUploadSession;
}

/** A request resolved to what it asks for. */
export type StorageRoute = {
  [Kind in RequestKind]: { readonly kind: Kind } & RouteTargets[Kind];
}[RequestKind];

/** The route variant(s) of the given kind(s). */
export type RouteOf<Kind extends RequestKind> = Extract<StorageRoute, { kind: Kind }>;

const decode = (text: string) => {
  try {
    return decodeURIComponent(text);
  } catch {
    throw invalid(`Malformed percent-encoding in path: ${text}`);
  }
};

// `/b/{bucket}` or `/b/{bucket}/o` or `/b/{bucket}/o/{name...}`; the raw path, never normalised,
// so `..` segments are part of a name, not a directory step.
function bucketPath(path: string) {
  const match = /^\/b\/([^/]+)(?:\/o(?:\/(.+))?)?$/.exec(path);
  if (match?.[1] === undefined) return undefined;
  const isObjects = path.startsWith(`/b/${match[1]}/o`);
  return {
    bucket: decode(match[1]),
    objects: isObjects,
    name: match[2] === undefined ? undefined : decode(match[2]),
  };
}

type ObjectKind = 'object-metadata' | 'object-media' | 'object-patch' | 'object-delete';

/** Maps method, raw path and query to a route, for both `/b/...` and `/storage/v1/b/...`. */
export function resolveRoute(
  method: string,
  rawPath: string,
  query: URLSearchParams,
): StorageRoute {
  if (method === 'OPTIONS') return { kind: 'cors-preflight' };
  const NOT_IMPLEMENTED = { kind: 'not-implemented' } as const;

  // A V4 signed URL is path style, `/{bucket}/{name, slashes kept}`, and always signed.
  if (query.has('X-Goog-Signature')) {
    const match = /^\/([^/]+)\/(.+)$/.exec(rawPath);
    if (match?.[1] === undefined || match[2] === undefined || method !== 'GET') {
      return NOT_IMPLEMENTED;
    }
    return { kind: 'signed-url-media', bucket: decode(match[1]), name: decode(match[2]) };
  }

  if (rawPath.startsWith('/upload/storage/v1/b/')) {
    const target = bucketPath(rawPath.slice('/upload/storage/v1'.length));
    if (target === undefined || !target.objects || target.name !== undefined) {
      return NOT_IMPLEMENTED;
    }
    const { bucket } = target;
    const uploadId = query.get('upload_id');
    if (uploadId !== null) {
      if (method === 'PUT' || method === 'POST') return { kind: 'upload-put', bucket, uploadId };
      if (method === 'DELETE') return { kind: 'upload-cancel', bucket, uploadId };
      return NOT_IMPLEMENTED;
    }
    if (method !== 'POST') return NOT_IMPLEMENTED;
    const uploadType = query.get('uploadType');
    if (uploadType === 'resumable') return { kind: 'upload-start', bucket };
    if (uploadType === 'multipart') return { kind: 'upload-multipart', bucket };
    if (uploadType === 'media') return { kind: 'upload-media', bucket };
    throw invalid(`Invalid uploadType: ${uploadType ?? '(none)'}`);
  }

  if (rawPath.startsWith('/v0/b/')) {
    // Clients never write to Storage in this project (deny-all rules: docs/architecture.md,
    // "Rules").
    if (method !== 'GET') return { kind: 'firebase-write' };
    const target = bucketPath(rawPath.slice('/v0'.length));
    if (target?.name === undefined) return NOT_IMPLEMENTED;
    const kind = query.get('alt') === 'media' ? 'firebase-media' : 'firebase-metadata';
    return { kind, bucket: target.bucket, name: target.name };
  }

  const prefix = ['/download/storage/v1', '/storage/v1', ''].find((candidate) =>
    rawPath.startsWith(`${candidate}/b/`),
  );
  if (prefix === undefined) return NOT_IMPLEMENTED;
  const target = bucketPath(rawPath.slice(prefix.length));
  if (target === undefined) return NOT_IMPLEMENTED;
  const { bucket, name } = target;
  if (!target.objects) return method === 'GET' ? { kind: 'bucket-get', bucket } : NOT_IMPLEMENTED;
  if (name === undefined)
    return method === 'GET' ? { kind: 'object-list', bucket } : NOT_IMPLEMENTED;
  const media = query.get('alt') === 'media' || prefix === '/download/storage/v1';
  const byMethod: Record<string, RouteOf<ObjectKind>['kind']> = {
    GET: media ? 'object-media' : 'object-metadata',
    PATCH: 'object-patch',
    DELETE: 'object-delete',
  };
  const kind = byMethod[method];
  return kind === undefined ? NOT_IMPLEMENTED : { kind, bucket, name };
}
