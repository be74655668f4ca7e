import type { Database } from 'firebase-admin/database';
import { ServerValue } from 'firebase-admin/database';
import { roomAllowedPath, roomMemberPath } from '../../common/recording/recording-paths.js';
import { AppError } from '../errors.js';
import { readOnce } from '../firebase/read-once.js';
import type { Principal } from './authentication.js';

/**
 * Who belongs to a room (docs/security.md): a user becomes a member when the controller gives
 * them a token for it, the only way in. The database rules let only members read a room's
 * records and lock and write its commands and consents; the HTTP routes ask here the same.
 */
export class RoomMembership {
  constructor(private readonly db: Database) {}

  /**
   * Records `uid` as a member of the room, with the name their token carries. A closed room
   * (`rooms/<roomKey>/allowed` exists, written by an admin or a trusted server) admits only
   * those it lists: anyone else is refused with 403 `not_allowed`.
   */
  async admit(roomKey: string, uid: string, name: string | undefined): Promise<void> {
    if (!(await this.isAllowed(roomKey, uid))) {
      throw new AppError('not_allowed', 403, 'This room is closed to you');
    }
    await this.db
      .ref(roomMemberPath(roomKey, uid))
      .set({ joinedAt: ServerValue.TIMESTAMP, ...(name === undefined ? {} : { name }) });
  }

  /**
   * Listed, or the room has no list. Reads the user's entry and at most one other, never the
   * whole list: a closed room's list may be long, and every token asks.
   */
  private async isAllowed(roomKey: string, uid: string): Promise<boolean> {
    const list = this.db.ref(roomAllowedPath(roomKey));
    if ((await readOnce(list.child(uid))).exists()) return true;
    return !(await list.orderByKey().limitToFirst(1).get()).exists();
  }

  async isMember(roomKey: string, uid: string): Promise<boolean> {
    return (await readOnce(this.db.ref(roomMemberPath(roomKey, uid)))).exists();
  }

  /** A signed-in user must be a member; a trusted server (API key) speaks for any room. */
  async requireMember(principal: Principal | undefined, roomKey: string): Promise<void> {
    if (principal?.kind !== 'user') return;
    if (!(await this.isMember(roomKey, principal.uid))) throw notAMember();
  }
}

export const notAMember = () =>
  new AppError('not_a_member', 403, 'Join the room first: only its members see or change it');
