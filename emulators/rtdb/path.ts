import { RequestError } from './request-error.js';

/** A database location as its keys, root = []. */
export type Path = readonly string[];

// Keys may not hold these (the SDK's INVALID_KEY_REGEX_), nor be empty or longer than 768 bytes.
const INVALID_KEY = /[[\].#$/]/;
const hasControlCharacter = (key: string): boolean =>
  [...key].some((char) => char.charCodeAt(0) < 0x20 || char.charCodeAt(0) === 0x7f);
const MAX_KEY_BYTES = 768;

export function isValidKey(key: string): boolean {
  return (
    key.length > 0 &&
    !INVALID_KEY.test(key) &&
    !hasControlCharacter(key) &&
    Buffer.byteLength(key, 'utf8') <= MAX_KEY_BYTES
  );
}

/** Splits a wire or URL path on `/`, dropping empty segments; every key must be valid. */
export function parsePath(raw: unknown): Path {
  if (typeof raw !== 'string') throw new RequestError('invalid_path', 'Path must be a string');
  const keys = raw.split('/').filter((key) => key !== '');
  for (const key of keys) {
    if (!isValidKey(key)) throw new RequestError('invalid_path', `Invalid path ${raw}`);
  }
  return keys;
}

/** As parsePath, but the last key may be `.priority` (setPriority and `x/.priority` updates). */
export function parseWritePath(raw: unknown): { path: Path; priorityOnly: boolean } {
  if (typeof raw === 'string') {
    const keys = raw.split('/').filter((key) => key !== '');
    if (keys.length > 0 && keys[keys.length - 1] === '.priority') {
      return { path: parsePath(keys.slice(0, -1).join('/')), priorityOnly: true };
    }
  }
  return { path: parsePath(raw), priorityOnly: false };
}

/** True when `prefix` is `path` or one of its ancestors. */
export function isPrefix(prefix: Path, path: Path): boolean {
  if (prefix.length > path.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== path[i]) return false;
  return true;
}

/** True when one location holds the other. */
export const overlaps = (a: Path, b: Path): boolean => isPrefix(a, b) || isPrefix(b, a);
