import type { DownloadUrlMode } from '../config/load-config.js';
import type { StorageFile } from './storage-types.js';

/** V4 signed URLs cannot outlive 7 days (emulators/storage/README.md, "Download URLs"). */
export const SIGNED_URL_LIFETIME_MS = 7 * 24 * 3600 * 1000;

/** A link to a recording's object; `expiresAt` (ms since epoch) only for a signed link. */
export interface DownloadLink {
  readonly url: string;
  readonly expiresAt: number | undefined;
}

/**
 * The Firebase token URL, byte for byte what firebase-admin's `getDownloadURL` returns, built from
 * the token we set (emulators/storage/README.md, "Download URLs"): no request, and it works where
 * `getDownloadURL` is refused (the real emulator under deny-all rules).
 */
export function tokenDownloadUrl(bucketName: string, objectName: string, token: string): string {
  const base = process.env.STORAGE_EMULATOR_HOST || 'https://firebasestorage.googleapis.com';
  return `${base}/v0/b/${bucketName}/o/${encodeURIComponent(objectName)}?alt=media&token=${token}`;
}

/** A fresh V4 signed read link, valid for the longest time V4 allows. */
export async function signedDownloadLink(file: StorageFile): Promise<DownloadLink> {
  const wanted = Date.now() + SIGNED_URL_LIFETIME_MS;
  const [url] = await file.getSignedUrl({ version: 'v4', action: 'read', expires: wanted });
  return { url, expiresAt: signedUrlExpiry(url) ?? wanted };
}

/** When a V4 signed URL dies, as it says itself: X-Goog-Date (whole seconds) + X-Goog-Expires. */
export function signedUrlExpiry(url: string): number | undefined {
  const params = new URL(url).searchParams;
  const signedAt = Date.parse(
    (params.get('X-Goog-Date') ?? '').replace(
      /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/,
      '$1-$2-$3T$4:$5:$6Z',
    ),
  );
  const seconds = Number(params.get('X-Goog-Expires'));
  if (Number.isNaN(signedAt) || !Number.isInteger(seconds)) return undefined;
  return signedAt + seconds * 1000;
}

/**
 * The link written into an uploaded record, as `DOWNLOAD_URL_MODE` asks (docs/architecture.md,
 * "Download links").
 */
export async function downloadLink(
  mode: DownloadUrlMode,
  file: StorageFile,
  token: string,
): Promise<DownloadLink> {
  if (mode === 'token') {
    return { url: tokenDownloadUrl(file.bucket.name, file.name, token), expiresAt: undefined };
  }
  return signedDownloadLink(file);
}
