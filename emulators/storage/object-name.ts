import { GcsError, invalid } from './gcs-error.js';

const MAX_NAME_BYTES = 1024;

/**
 * Enforces GCS's object naming rules: 1–1024 bytes of UTF-8, no CR or LF, not `.` or `..`,
 * not under `.well-known/acme-challenge/`. Names never become file paths here (objects are
 * stored under random ids), so `../` inside a name is just text, as it is in GCS.
 */
export function assertValidObjectName(name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_NAME_BYTES) {
    throw invalid(`The object name must be 1 to ${MAX_NAME_BYTES} bytes long.`);
  }
  if (name === '.' || name === '..' || /[\r\n]/.test(name)) {
    throw invalid('The specified object name is not valid.');
  }
  if (name.startsWith('.well-known/acme-challenge/')) {
    throw invalid('The specified object name is not valid.');
  }
  if (!name.isWellFormed()) throw invalid('The object name must be valid UTF-8.');
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/** Bucket names as GCS accepts them (lower case, digits, `-`, `_`, `.`; 3–222 characters). */
export function assertValidBucketName(bucket: string): void {
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw new GcsError(400, 'invalid', `Invalid bucket name: '${bucket}'`);
  }
}
