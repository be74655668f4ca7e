import {
  ClientConfigSetting,
  ClientConfiguration,
  JoinResponse,
  ServerInfo,
  ServerInfo_Edition,
} from '@livekit/protocol';
import {
  type ParticipantRecord,
  type RoomRecord,
  toParticipantProto,
  toRoomProto,
} from '../rooms/room-registry.js';

/** The livekit-server release whose behaviour is emulated; the client refuses an empty version. */
export const SERVER_VERSION = '1.13.5';
/** The signal protocol version livekit-server 1.13 speaks. */
const SERVER_PROTOCOL = 16;
/** livekit-server's keep-alive: the client pings every 5 s and reconnects after 15 s of silence. */
const PING_INTERVAL_S = 5;
const PING_TIMEOUT_S = 15;

/**
 * The first message of every session. Resume is disabled, so a client that loses its socket
 * joins afresh (a new session replacing the old one) instead of resuming a session the
 * emulator does not keep. `subscriberPrimary` is false: the client offers, the server answers.
 */
export function joinResponse(
  room: RoomRecord,
  participant: ParticipantRecord,
  isHidden: (participant: ParticipantRecord) => boolean,
): JoinResponse {
  const others = [...room.participants.values()].filter(
    (other) => other.sid !== participant.sid && !isHidden(other),
  );
  return new JoinResponse({
    room: toRoomProto(room),
    participant: toParticipantProto(participant),
    otherParticipants: others.map(toParticipantProto),
    serverVersion: SERVER_VERSION,
    serverInfo: new ServerInfo({
      edition: ServerInfo_Edition.Standard,
      version: SERVER_VERSION,
      protocol: SERVER_PROTOCOL,
      nodeId: 'ND_emulator',
    }),
    iceServers: [],
    subscriberPrimary: false,
    pingInterval: PING_INTERVAL_S,
    pingTimeout: PING_TIMEOUT_S,
    clientConfiguration: new ClientConfiguration({
      resumeConnection: ClientConfigSetting.DISABLED,
    }),
  });
}
