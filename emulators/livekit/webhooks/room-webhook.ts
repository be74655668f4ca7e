import { ParticipantInfo, Room, type WebhookEvent } from '@livekit/protocol';
import { type RoomEvent, toParticipantProto, toRoomProto } from '../rooms/room-registry.js';
import { buildWebhookEvent } from './webhook-event.js';

/**
 * The webhook livekit-server's telemetry sends for a room event: room and participant events
 * carry the full Room and ParticipantInfo, track events only `{sid, name}` and `{sid, identity}`.
 * Room updates and mutes reach clients over signalling only: undefined.
 */
export function webhookForRoomEvent(event: RoomEvent): WebhookEvent | undefined {
  switch (event.type) {
    case 'room_updated':
    case 'track_muted':
      return undefined;
    case 'room_started':
    case 'room_finished':
      return buildWebhookEvent(event.type, { room: toRoomProto(event.room) });
    case 'participant_joined':
    case 'participant_left':
      return buildWebhookEvent(event.type, {
        room: toRoomProto(event.room),
        participant: toParticipantProto(event.participant),
      });
    case 'track_published':
    case 'track_unpublished':
      return buildWebhookEvent(event.type, {
        room: new Room({ sid: event.room.sid, name: event.room.name }),
        participant: new ParticipantInfo({
          sid: event.participant.sid,
          identity: event.participant.identity,
        }),
        track: event.track.clone(),
      });
  }
}
