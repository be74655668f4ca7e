import {
  CreateRoomRequest,
  DeleteRoomRequest,
  DeleteRoomResponse,
  ListParticipantsRequest,
  ListParticipantsResponse,
  ListRoomsRequest,
  ListRoomsResponse,
  RemoveParticipantResponse,
  RoomParticipantIdentity,
  UpdateRoomMetadataRequest,
} from '@livekit/protocol';
import { type RoomRegistry, toParticipantProto, toRoomProto } from '../rooms/room-registry.js';
import { requireGrant } from './caller-permissions.js';
import { livekitErrors, TwirpError } from './twirp-error.js';
import { type TwirpService, twirpMethod } from './twirp-method.js';

/** `livekit.RoomService`, with the grants livekit-server checks for each call. */
export function roomService(rooms: RoomRegistry): TwirpService {
  return {
    methods: {
      CreateRoom: twirpMethod(CreateRoomRequest, (request, caller) => {
        requireGrant.roomCreate(caller);
        if (request.name === '') throw new TwirpError('invalid_argument', 'no room name');
        return toRoomProto(
          rooms.create({
            name: request.name,
            emptyTimeoutS: request.emptyTimeout,
            departureTimeoutS: request.departureTimeout,
            maxParticipants: request.maxParticipants,
            metadata: request.metadata,
          }),
        );
      }),
      ListRooms: twirpMethod(ListRoomsRequest, (request, caller) => {
        requireGrant.roomList(caller);
        return new ListRoomsResponse({ rooms: rooms.list(request.names).map(toRoomProto) });
      }),
      DeleteRoom: twirpMethod(DeleteRoomRequest, (request, caller) => {
        requireGrant.roomCreate(caller);
        if (!rooms.close(request.room)) throw livekitErrors.roomNotFound();
        return new DeleteRoomResponse();
      }),
      ListParticipants: twirpMethod(ListParticipantsRequest, (request, caller) => {
        requireGrant.roomAdmin(caller, request.room);
        // An unknown room is an empty list, not an error (a Redis HVALS of a missing key).
        const participants = [...(rooms.get(request.room)?.participants.values() ?? [])];
        return new ListParticipantsResponse({ participants: participants.map(toParticipantProto) });
      }),
      RemoveParticipant: twirpMethod(RoomParticipantIdentity, (request, caller) => {
        // livekit-server looks the participant up before it checks the grant.
        if (rooms.get(request.room)?.participants.has(request.identity) !== true) {
          throw livekitErrors.participantNotFound();
        }
        requireGrant.roomAdmin(caller, request.room);
        rooms.leave(request.room, request.identity);
        return new RemoveParticipantResponse();
      }),
      UpdateRoomMetadata: twirpMethod(UpdateRoomMetadataRequest, (request, caller) => {
        requireGrant.roomAdmin(caller, request.room);
        return toRoomProto(rooms.setMetadata(request.room, request.metadata));
      }),
    },
    notEmulated: [
      'GetParticipant',
      'MutePublishedTrack',
      'UpdateParticipant',
      'UpdateSubscriptions',
      'SendData',
      'ForwardParticipant',
      'MoveParticipant',
      'PerformRpc',
    ],
  };
}
