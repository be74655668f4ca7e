import { type Database, onValue, ref } from 'firebase/database';
import { useEffect, useState } from 'react';
import { cleanDisplayName } from '../../../common/display-name.js';

/**
 * The names of the room's members as the controller wrote them when it gave each a token: the
 * Firebase profile's name, or a guest's cleaned choice (docs/security.md). "Started by" and the
 * consents show these, not what a participant calls themselves in LiveKit now. Listens only
 * when `admitted`: the rules let members alone read the room.
 */
export function useRoomMemberNames(
  db: Database,
  roomKey: string,
  admitted: boolean,
): ReadonlyMap<string, string> {
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  useEffect(() => {
    if (!admitted) return;
    return onValue(
      ref(db, `rooms/${roomKey}/members`),
      (snapshot) => {
        const next = new Map<string, string>();
        snapshot.forEach((member) => {
          const name: unknown = member.child('name').val();
          if (member.key !== null && typeof name === 'string' && cleanDisplayName(name) !== '') {
            next.set(member.key, cleanDisplayName(name));
          }
        });
        setNames(next);
      },
      () => setNames(new Map()),
    );
  }, [db, roomKey, admitted]);
  return names;
}
