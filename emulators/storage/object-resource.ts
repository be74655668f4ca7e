import type { StoredObject } from './object-store.js';

/** The custom metadata key Firebase keeps download tokens under (comma-separated UUIDs). */
export const DOWNLOAD_TOKENS_KEY = 'firebaseStorageDownloadTokens';

const encodeName = (name: string) => encodeURIComponent(name);

const etagOf = (object: StoredObject) =>
  Buffer.from(`${object.generation}/${object.metageneration}`).toString('base64');

/** GCS JSON API `storage#object`: every number a decimal string, `metadata` omitted when empty. */
export function gcsObjectResource(object: StoredObject, origin: string) {
  const path = `b/${object.bucket}/o/${encodeName(object.name)}`;
  const metadata = Object.keys(object.metadata).length > 0 ? object.metadata : undefined;
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${object.generation}`,
    selfLink: `${origin}/storage/v1/${path}`,
    mediaLink: `${origin}/download/storage/v1/${path}?generation=${object.generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    storageClass: 'STANDARD',
    size: String(object.size),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: etagOf(object),
    timeCreated: object.timeCreated,
    updated: object.updated,
    timeStorageClassUpdated: object.timeCreated,
    ...(object.contentEncoding === undefined ? {} : { contentEncoding: object.contentEncoding }),
    ...(object.contentDisposition === undefined
      ? {}
      : { contentDisposition: object.contentDisposition }),
    ...(object.contentLanguage === undefined ? {} : { contentLanguage: object.contentLanguage }),
    ...(object.cacheControl === undefined ? {} : { cacheControl: object.cacheControl }),
    ...(metadata === undefined ? {} : { metadata }),
  };
}

/** The object's download tokens, in stored order. */
export function downloadTokensOf(object: StoredObject): string[] {
  return (object.metadata[DOWNLOAD_TOKENS_KEY] ?? '')
    .split(',')
    .map((token) => token.trim())
    .filter((token) => token !== '');
}

/** Firebase `/v0` metadata: tokens moved out of `metadata` into `downloadTokens` ("," joined). */
export function firebaseObjectResource(object: StoredObject) {
  const { [DOWNLOAD_TOKENS_KEY]: _tokens, ...metadata } = object.metadata;
  const tokens = downloadTokensOf(object);
  return {
    name: object.name,
    bucket: object.bucket,
    generation: object.generation,
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    timeCreated: object.timeCreated,
    updated: object.updated,
    storageClass: 'STANDARD',
    size: String(object.size),
    md5Hash: object.md5Hash,
    crc32c: object.crc32c,
    etag: etagOf(object),
    contentEncoding: object.contentEncoding ?? 'identity',
    contentDisposition: object.contentDisposition ?? 'inline',
    ...(object.cacheControl === undefined ? {} : { cacheControl: object.cacheControl }),
    ...(object.contentLanguage === undefined ? {} : { contentLanguage: object.contentLanguage }),
    metadata,
    ...(tokens.length > 0 ? { downloadTokens: tokens.join(',') } : {}),
  };
}

/** The headers GCS sends with an object's bytes; the Node client validates against `x-goog-hash`. */
export function mediaHeaders(object: StoredObject): Record<string, string> {
  return {
    'content-type': object.contentType,
    'x-goog-hash': `crc32c=${object.crc32c},md5=${object.md5Hash}`,
    'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
    'x-goog-stored-content-length': String(object.size),
    'x-goog-generation': object.generation,
    'x-goog-metageneration': String(object.metageneration),
    etag: `"${etagOf(object)}"`,
    'last-modified': new Date(object.updated).toUTCString(),
    'accept-ranges': 'bytes',
    ...(object.contentDisposition === undefined
      ? {}
      : { 'content-disposition': object.contentDisposition }),
    ...(object.cacheControl === undefined ? {} : { 'cache-control': object.cacheControl }),
  };
}
