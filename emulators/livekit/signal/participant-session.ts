import type { WebSocket } from 'ws';
import type { RoomRegistry } from '../rooms/room-registry.js';
import type { JoinTarget } from './join-validation.js';

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
  const participant = rooms.join(target.roomName, {
    identity: target.identity,
    name: target.name,
    metadata: target.metadata,
    // The server removing the participant (RemoveParticipant, room closed, same identity
    // joining again) ends the connection.
    disconnect: () => socket.close(1000, 'disconnected by server'),
  });
  socket.on('close', () => {
    const current = rooms.get(target.roomName)?.participants.get(target.identity);
    if (current?.sid === participant.sid) rooms.leave(target.roomName, target.identity);
  });
}
