import type { WebSocket } from 'ws';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { TwirpError } from '../twirp/twirp-error.js';
import type { JoinTarget } from './join-validation.js';

/** WebSocket close code for a join the server refuses after the upgrade (policy violation). */
const CLOSE_REFUSED = 1008;

/**
 * A joined participant's signal connection: the identity is in the room while the socket is
 * open. The signal protocol itself (JoinResponse, offers, trickle) is added here, on top of
 * this membership, by the issue that completes `room.connect()`.
 */
export function runParticipantSession(
  socket: WebSocket,
  target: JoinTarget,
  rooms: RoomRegistry,
): void {
  // A broken frame from the client ends its session, never the server.
  socket.on('error', () => socket.terminate());
  let participantSid: string;
  try {
    participantSid = rooms.join(target.roomName, {
      identity: target.identity,
      name: target.name,
      metadata: target.metadata,
      // The server removing the participant (RemoveParticipant, room closed, same identity
      // joining again) ends the connection.
      disconnect: () => socket.close(1000, 'disconnected by server'),
    }).sid;
  } catch (error) {
    // The room closed between the token check and the upgrade.
    if (!(error instanceof TwirpError)) throw error;
    socket.close(CLOSE_REFUSED, error.message);
    return;
  }
  socket.on('close', () => {
    const current = rooms.get(target.roomName)?.participants.get(target.identity);
    if (current?.sid === participantSid) rooms.leave(target.roomName, target.identity);
  });
}
