import type { AccessTokenClaims } from '../auth/access-token.js';
import { livekitErrors } from './twirp-error.js';

/** Who is calling: the verified token's claims, or none when no token was sent. */
export interface Caller {
  readonly claims: AccessTokenClaims | undefined;
}

/** The grant checks of livekit-server's `pkg/service/auth.go`; each failure is "permissions denied". */
export const requireGrant = {
  roomCreate(caller: Caller): void {
    if (caller.claims?.video?.roomCreate !== true) throw livekitErrors.permissionDenied();
  },
  roomList(caller: Caller): void {
    if (caller.claims?.video?.roomList !== true) throw livekitErrors.permissionDenied();
  },
  roomRecord(caller: Caller): void {
    if (caller.claims?.video?.roomRecord !== true) throw livekitErrors.permissionDenied();
  },
  roomAdmin(caller: Caller, room: string): void {
    const video = caller.claims?.video;
    if (video?.roomAdmin !== true || video.room !== room) throw livekitErrors.permissionDenied();
  },
} as const;
