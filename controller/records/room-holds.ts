/**
 * The index of recordings that may hold their room's lock, at `locks/held/<roomKey>/<recordingId>`:
 * what the reconciler reads instead of `rooms/`, whose member lists grow with every room ever
 * joined (docs/architecture.md, "Database layout"). Controller only: the rules deny clients
 * everything they do not name.
 *
 * `RecordingStore` keeps it: an entry is written before its recording takes the lock and
 * removed after the lock is let go, so a crash in between leaves at worst an entry too many,
 * which the next pass drops once it reads the record.
 */
export const ROOM_HOLDS_PATH = 'locks/held';

export const roomHoldPath = (roomKey: string, recordingId: string) =>
  `${ROOM_HOLDS_PATH}/${roomKey}/${recordingId}`;
