/**
 * Room keys: the path-safe name of a room, shared by the SPA and the controller
 * (docs/architecture.md, "Keys and names").
 *
 * roomKey = base64url(utf8(roomUrl)) without padding. It is a database key, the LiveKit room
 * name, a directory under RECORDING_OUTPUT_DIR and part of a Storage object name, so it must
 * be safe in all four. Runs unchanged in browsers and Node (TextEncoder, btoa, atob).
 */

/**
 * The longest roomUrl, in UTF-8 bytes. The key becomes a directory name, and most file
 * systems (ext4, xfs, overlayfs) cap a name at 255 bytes: 191 bytes encode to 255 characters.
 */
export const MAX_ROOM_URL_BYTES = 191;

export type RoomKeyErrorCode = 'invalid_room_url' | 'invalid_room_key';

export class RoomKeyError extends Error {
  readonly code: RoomKeyErrorCode;

  constructor(code: RoomKeyErrorCode, message: string) {
    super(message);
    this.name = 'RoomKeyError';
    this.code = code;
  }
}

const ROOM_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Why `roomUrl` cannot be a room, or undefined when it can. Lets schemas reuse the rule. */
export function roomUrlProblem(roomUrl: string): string | undefined {
  if (roomUrl.length === 0) return 'roomUrl is empty';
  // A lone surrogate would be replaced by U+FFFD and the key would not map back to the URL.
  if (!roomUrl.isWellFormed()) return 'roomUrl is not well-formed Unicode';
  const bytes = utf8Encoder.encode(roomUrl).length;
  if (bytes > MAX_ROOM_URL_BYTES) {
    return `roomUrl is ${bytes} bytes long; the limit is ${MAX_ROOM_URL_BYTES} bytes of UTF-8`;
  }
  return undefined;
}

/** The room key of a room URL. Throws RoomKeyError (`invalid_room_url`) on empty or over-long input. */
export function roomKeyFromUrl(roomUrl: string): string {
  const problem = roomUrlProblem(roomUrl);
  if (problem !== undefined) throw new RoomKeyError('invalid_room_url', problem);
  let binary = '';
  for (const byte of utf8Encoder.encode(roomUrl)) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

/** The room URL a key was made from. Throws RoomKeyError (`invalid_room_key`) on anything else. */
export function roomUrlFromKey(roomKey: string): string {
  // Unpadded base64 never leaves a single character in the last group of four.
  if (!ROOM_KEY_PATTERN.test(roomKey) || roomKey.length % 4 === 1) {
    throw new RoomKeyError('invalid_room_key', 'roomKey is not unpadded base64url');
  }
  const binary = atob(roomKey.replaceAll('-', '+').replaceAll('_', '/'));
  let roomUrl: string;
  try {
    roomUrl = utf8Decoder.decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    throw new RoomKeyError('invalid_room_key', 'roomKey does not decode to UTF-8');
  }
  // Only canonical keys map back: re-encoding must give the same key (no stray trailing bits).
  if (roomUrlProblem(roomUrl) !== undefined || roomKeyFromUrl(roomUrl) !== roomKey) {
    throw new RoomKeyError('invalid_room_key', 'roomKey is not the key of a valid roomUrl');
  }
  return roomUrl;
}
