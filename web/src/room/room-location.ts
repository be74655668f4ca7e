/**
 * A room is its URL (docs/architecture.md, "Keys and names"): `<origin>/room/<name>`. The roomUrl
 * is that URL without query or fragment, so a shared link with `?utm=…` still lands in the same
 * room.
 */
export const ROOM_PATH_PREFIX = '/room/';

/** The room page's URL for a name typed by a user. */
export function roomUrlForName(origin: string, name: string): string {
  return `${origin}${ROOM_PATH_PREFIX}${encodeURIComponent(name.trim())}`;
}

/** The roomUrl of the current page, or undefined when it is not a room page. */
export function roomUrlOfLocation(location: { origin: string; pathname: string }) {
  if (!location.pathname.startsWith(ROOM_PATH_PREFIX)) return undefined;
  if (location.pathname.length === ROOM_PATH_PREFIX.length) return undefined;
  return `${location.origin}${location.pathname}`;
}

/** The room's name as shown to people. */
export function roomNameOfUrl(roomUrl: string): string {
  const path = new URL(roomUrl).pathname.slice(ROOM_PATH_PREFIX.length);
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
