import type { EgressInfo, ParticipantInfo, TrackInfo } from '@livekit/protocol';
import { Room, WebhookEvent } from '@livekit/protocol';
import { newSid } from '../ids.js';

export const WEBHOOK_EVENT_NAMES = [
  'room_started',
  'room_finished',
  'participant_joined',
  'participant_left',
  'track_published',
  'track_unpublished',
  'egress_started',
  'egress_updated',
  'egress_ended',
] as const;

export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

export interface WebhookEventContent {
  readonly room?: Room;
  readonly participant?: ParticipantInfo;
  readonly track?: TrackInfo;
  readonly egressInfo?: EgressInfo;
}

/** An event as livekit-server builds it: `EV_` id, `createdAt` in Unix seconds. */
export function buildWebhookEvent(
  name: WebhookEventName,
  content: WebhookEventContent,
): WebhookEvent {
  const room =
    content.room ??
    (content.egressInfo === undefined
      ? undefined
      : new Room({ sid: content.egressInfo.roomId, name: content.egressInfo.roomName }));
  return new WebhookEvent({
    event: name,
    room,
    participant: content.participant,
    track: content.track,
    egressInfo: content.egressInfo,
    id: newSid('EV_'),
    createdAt: BigInt(Math.floor(Date.now() / 1000)),
  });
}

/**
 * The queue an event waits in: one FIFO per resource (egress id, else room name, else
 * participant identity, else track sid), as livekit's webhook notifier keys them.
 */
export function webhookResourceKey(event: WebhookEvent): string {
  return (
    event.egressInfo?.egressId ||
    event.room?.name ||
    event.participant?.identity ||
    event.track?.sid ||
    ''
  );
}
