import { ParticipantPermission } from '@livekit/protocol';
import type { AccessTokenClaims } from '../auth/access-token.js';
import type { RoomRegistry } from '../rooms/room-registry.js';

/** A join refused before the WebSocket upgrade, answered as HTTP `status` with a text body. */
export class JoinRefusal extends Error {
  readonly httpStatus: number;

  constructor(httpStatus: number, message: string) {
    super(message);
    this.name = 'JoinRefusal';
    this.httpStatus = httpStatus;
  }
}

export interface JoinTarget {
  readonly roomName: string;
  readonly identity: string;
  readonly name: string;
  readonly metadata: string;
  readonly permission: ParticipantPermission;
}

/**
 * The checks of livekit-server's `RTCService.validateInternal` on a join token (already
 * verified for signature and expiry): `roomJoin`, an identity, a room (the token's, else the
 * `room` query parameter), and the room existing unless rooms are created on join.
 */
export function validateJoin(
  claims: AccessTokenClaims | undefined,
  requestedRoom: string,
  rooms: RoomRegistry,
  autoCreate: boolean,
): JoinTarget {
  const video = claims?.video;
  if (claims === undefined || video?.roomJoin !== true) {
    throw new JoinRefusal(401, 'permissions denied');
  }
  const identity = claims.sub ?? '';
  if (identity === '') throw new JoinRefusal(400, 'identity cannot be empty');
  // The token's room wins over the `room` query parameter.
  const roomName = video.room || requestedRoom;
  if (roomName === '') throw new JoinRefusal(400, 'no room name');
  if (!autoCreate && rooms.get(roomName) === undefined) {
    throw new JoinRefusal(404, 'requested room does not exist');
  }
  return {
    roomName,
    identity,
    name: claims.name ?? '',
    metadata: claims.metadata ?? '',
    // As livekit's `ToPermission`: an absent publish or subscribe grant allows it.
    permission: new ParticipantPermission({
      canPublish: video.canPublish ?? true,
      canSubscribe: video.canSubscribe ?? true,
      canPublishData: video.canPublishData ?? true,
      hidden: video.hidden ?? false,
      recorder: video.recorder ?? false,
    }),
  };
}
