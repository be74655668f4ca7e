import {
  type AddTrackRequest,
  DisconnectReason,
  type JoinRequest,
  LeaveRequest,
  LeaveRequest_Action,
  ParticipantInfo_State,
  ParticipantUpdate,
  Pong,
  RoomUpdate,
  SessionDescription,
  SignalRequest,
  SignalResponse,
  SignalTarget,
  TrackInfo,
  TrackPublishedResponse,
  TrickleRequest,
} from '@livekit/protocol';
import { WebSocket } from 'ws';
import { newSid } from '../ids.js';
import {
  type ParticipantRecord,
  type RoomEvent,
  type RoomRegistry,
  toParticipantProto,
  toRoomProto,
} from '../rooms/room-registry.js';
import { TwirpError } from '../twirp/twirp-error.js';
import { joinResponse } from './join-response.js';
import type { JoinTarget } from './join-validation.js';
import { type IceCandidateJson, PublisherPeer } from './publisher-peer.js';
import { sentTrackIds } from './sent-track-ids.js';

/** WebSocket close code for a join the server refuses after the upgrade (policy violation). */
const CLOSE_REFUSED = 1008;
/** WebSocket close code when the emulator could not answer an offer. */
const CLOSE_INTERNAL_ERROR = 1011;

type SignalMessage = SignalResponse['message'];

/** A track the client asked to publish, keyed by its client-side id (`cid`). */
interface PublishedTrack {
  readonly sid: string;
  /** Set once an offer carried the track: from then on an offer without it unpublishes it. */
  negotiated: boolean;
}

const isHidden = (participant: ParticipantRecord) => participant.permission?.hidden === true;

/** A trickled `RTCIceCandidateInit` (JSON text); undefined when the client sent something else. */
function parseCandidate(json: string): IceCandidateJson | undefined {
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const candidate = (parsed as { candidate?: unknown }).candidate;
    return typeof candidate === 'string' ? (parsed as IceCandidateJson) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One client's signal connection, as livekit-server runs it: a JoinResponse first, then every
 * offer answered by a WebRTC peer, trickle ICE both ways, tracks published on request, pings
 * answered, and the room's participants and state pushed as they change. The participant is in
 * the room while the socket is open.
 */
export class ParticipantSession {
  private participant: ParticipantRecord | undefined;
  private readonly peer = new PublisherPeer((candidate) => this.sendCandidate(candidate));
  /** Offers and candidates are applied one at a time, in the order the client sent them. */
  private negotiation: Promise<void> = Promise.resolve();
  private readonly published = new Map<string, PublishedTrack>();
  private stopListening: () => void = () => undefined;
  private released = false;

  constructor(
    private readonly socket: WebSocket,
    readonly target: JoinTarget,
    private readonly rooms: RoomRegistry,
  ) {}

  /** The connection breaks as in a network fault: no LeaveRequest, the socket just goes. */
  breakConnection(): void {
    this.socket.terminate();
  }

  /** Calls `listener` once the session's socket has closed. */
  onClosed(listener: () => void): void {
    this.socket.once('close', listener);
  }

  /** `joinRequest` is `/rtc/v1`'s (with the first offer); `/rtc` has none. */
  start(joinRequest: JoinRequest | undefined): void {
    // A broken frame from the client ends its session, never the server.
    this.socket.on('error', () => this.socket.terminate());
    this.socket.on('close', () => this.onSocketClosed());
    try {
      this.participant = this.rooms.join(this.target.roomName, {
        identity: this.target.identity,
        name: this.target.name,
        metadata: this.target.metadata,
        permission: this.target.permission,
        disconnect: (reason) => this.end(reason),
      });
    } catch (error) {
      // The room closed between the token check and the upgrade.
      if (!(error instanceof TwirpError)) throw error;
      this.socket.close(CLOSE_REFUSED, error.message);
      return;
    }
    this.stopListening = this.rooms.subscribe((event) => this.onRoomEvent(event));
    const room = this.rooms.get(this.target.roomName);
    if (room === undefined) throw new Error('joined room vanished');
    this.send({ case: 'join', value: joinResponse(room, this.participant, isHidden) });
    this.socket.on('message', (data: Buffer) => this.onRequest(data));
    if (joinRequest?.publisherOffer !== undefined) this.answer(joinRequest.publisherOffer);
  }

  private onRequest(data: Buffer): void {
    let request: SignalRequest;
    try {
      request = SignalRequest.fromBinary(data);
    } catch {
      return; // livekit-server logs an undecodable request and reads the next one.
    }
    const message = request.message;
    switch (message.case) {
      case 'offer':
        this.answer(message.value);
        return;
      case 'trickle': {
        const candidate = parseCandidate(message.value.candidateInit);
        if (candidate === undefined) return;
        // A candidate the peer cannot use (an unresolvable mDNS name) is skipped, as browsers do.
        this.negotiation = this.negotiation.then(() =>
          this.peer.addCandidate(candidate).catch(() => undefined),
        );
        return;
      }
      case 'addTrack':
        this.publish(message.value);
        return;
      case 'mute': {
        const { sid, muted } = message.value;
        this.rooms.setTrackMuted(this.target.roomName, this.target.identity, sid, muted);
        return;
      }
      case 'leave':
        this.leaveRoom(DisconnectReason.CLIENT_INITIATED);
        this.socket.close(1000, 'client left');
        return;
      case 'ping':
        this.send({ case: 'pong', value: BigInt(Date.now()) });
        return;
      case 'pingReq':
        this.send({
          case: 'pongResp',
          value: new Pong({
            lastPingTimestamp: message.value.timestamp,
            timestamp: BigInt(Date.now()),
          }),
        });
        return;
      default:
        // Subscriptions, layers, permissions, sync state…: nothing is forwarded, so nothing to do.
        return;
    }
  }

  private answer(offer: SessionDescription): void {
    this.negotiation = this.negotiation
      .then(async () => {
        const sdp = await this.peer.answer(offer.sdp);
        this.send({
          case: 'answer',
          value: new SessionDescription({ type: 'answer', sdp, id: offer.id }),
        });
        this.unpublishTracksNotSent(offer.sdp);
      })
      .catch((error: unknown) => {
        const reason = `could not answer offer: ${(error as Error).message}`.slice(0, 120);
        this.socket.close(CLOSE_INTERNAL_ERROR, reason);
      });
  }

  private publish(request: AddTrackRequest): void {
    const existing = this.published.get(request.cid);
    const participant = this.participant;
    // Without the publish grant livekit-server drops the request (the client's publish times out).
    if (participant === undefined || participant.permission?.canPublish !== true) return;
    const known = existing === undefined ? undefined : participant.tracks.get(existing.sid);
    const track =
      known ??
      new TrackInfo({
        sid: newSid('TR_'),
        type: request.type,
        name: request.name,
        source: request.source,
        muted: request.muted,
        width: request.width,
        height: request.height,
        layers: request.layers,
        simulcast: request.layers.length > 1,
        stream: request.stream,
        encryption: request.encryption,
        audioFeatures: request.audioFeatures,
      });
    this.send({
      case: 'trackPublished',
      value: new TrackPublishedResponse({ cid: request.cid, track: track.clone() }),
    });
    if (known !== undefined) return;
    this.published.set(request.cid, { sid: track.sid, negotiated: false });
    this.rooms.publishTrack(this.target.roomName, this.target.identity, track);
  }

  /** livekit-client unpublishes by dropping the track's sender and renegotiating. */
  private unpublishTracksNotSent(offerSdp: string): void {
    const sent = sentTrackIds(offerSdp);
    for (const [cid, track] of this.published) {
      if (sent.has(cid)) {
        track.negotiated = true;
      } else if (track.negotiated) {
        this.published.delete(cid);
        this.rooms.unpublishTrack(this.target.roomName, this.target.identity, track.sid);
      }
    }
  }

  private onRoomEvent(event: RoomEvent): void {
    if (event.room.name !== this.target.roomName) return;
    switch (event.type) {
      case 'room_updated':
        this.send({ case: 'roomUpdate', value: new RoomUpdate({ room: toRoomProto(event.room) }) });
        return;
      case 'participant_joined':
      case 'participant_left': {
        const self = event.participant.sid === this.participant?.sid;
        if (self || isHidden(event.participant)) return;
        const left = event.type === 'participant_left';
        this.sendParticipant(
          event.participant,
          left ? ParticipantInfo_State.DISCONNECTED : ParticipantInfo_State.ACTIVE,
        );
        return;
      }
      case 'track_published':
      case 'track_unpublished':
      case 'track_muted':
        // Also to the publisher itself: its local participant learns the new version and sids.
        if (isHidden(event.participant)) return;
        this.sendParticipant(event.participant, ParticipantInfo_State.ACTIVE);
        return;
      default:
        return;
    }
  }

  private sendParticipant(participant: ParticipantRecord, state: ParticipantInfo_State): void {
    const info = toParticipantProto(participant);
    info.state = state;
    this.send({ case: 'update', value: new ParticipantUpdate({ participants: [info] }) });
  }

  private sendCandidate(candidate: IceCandidateJson): void {
    this.send({
      case: 'trickle',
      value: new TrickleRequest({
        candidateInit: JSON.stringify(candidate),
        target: SignalTarget.PUBLISHER,
      }),
    });
  }

  /** The server removed the participant (API, same identity joining again, room closed). */
  private end(reason: DisconnectReason): void {
    this.release();
    if (reason !== DisconnectReason.CLIENT_INITIATED) {
      this.send({
        case: 'leave',
        value: new LeaveRequest({
          canReconnect: false,
          reason,
          action: LeaveRequest_Action.DISCONNECT,
        }),
      });
    }
    this.socket.close(1000, 'disconnected by server');
  }

  private onSocketClosed(): void {
    this.leaveRoom(DisconnectReason.CLIENT_INITIATED);
    this.release();
  }

  /** Leaves the room unless a newer session of the same identity already replaced this one. */
  private leaveRoom(reason: DisconnectReason): void {
    const current = this.rooms.get(this.target.roomName)?.participants.get(this.target.identity);
    if (current !== undefined && current.sid === this.participant?.sid) {
      this.rooms.leave(this.target.roomName, this.target.identity, reason);
    }
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.stopListening();
    this.peer.close();
  }

  private send(message: SignalMessage): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    this.socket.send(new SignalResponse({ message }).toBinary());
  }
}
