import {
  DisconnectReason,
  ParticipantInfo,
  ParticipantInfo_Kind,
  ParticipantInfo_State,
  type ParticipantPermission,
  Room,
  TrackInfo,
  TrackSource,
  TrackType,
} from '@livekit/protocol';
import { newSid } from '../ids.js';
import { livekitErrors } from '../twirp/twirp-error.js';

export interface ParticipantRecord {
  readonly sid: string;
  readonly identity: string;
  readonly name: string;
  metadata: string;
  readonly kind: ParticipantInfo_Kind;
  readonly joinedAtMs: number;
  readonly tracks: Map<string, TrackInfo>;
  /**
   * Set by the first published track and never reset, as livekit-server's `isPublisher`
   * (`pkg/rtc/participant.go`): a participant who unpublished everything still counts.
   */
  hasPublished: boolean;
  /** Raised on every change: clients ignore an info older than the one they hold. */
  version: number;
  /** The token's grants; `hidden` participants (egress recorders) are not shown to others. */
  readonly permission: ParticipantPermission | undefined;
  /** Ends the participant's connection (its signal socket) when the server removes it. */
  readonly disconnect: ((reason: DisconnectReason) => void) | undefined;
}

export interface RoomRecord {
  readonly sid: string;
  readonly name: string;
  readonly emptyTimeoutS: number;
  readonly departureTimeoutS: number;
  readonly maxParticipants: number;
  metadata: string;
  readonly creationTimeMs: number;
  readonly participants: Map<string, ParticipantRecord>;
  activeRecording: boolean;
  closeTimer: NodeJS.Timeout | undefined;
}

export type RoomEvent =
  | { readonly type: 'room_started' | 'room_finished'; readonly room: RoomRecord }
  /** The room's metadata or recording state changed (no webhook: clients get a RoomUpdate). */
  | { readonly type: 'room_updated'; readonly room: RoomRecord }
  | {
      readonly type: 'participant_joined' | 'participant_left';
      readonly room: RoomRecord;
      readonly participant: ParticipantRecord;
    }
  | {
      readonly type: 'track_published' | 'track_unpublished' | 'track_muted';
      readonly room: RoomRecord;
      readonly participant: ParticipantRecord;
      readonly track: TrackInfo;
    };

export interface RoomSettings {
  readonly name: string;
  readonly emptyTimeoutS?: number;
  readonly departureTimeoutS?: number;
  readonly maxParticipants?: number;
  readonly metadata?: string;
}

export interface JoiningParticipant {
  readonly identity: string;
  readonly name?: string;
  readonly metadata?: string;
  readonly kind?: ParticipantInfo_Kind;
  readonly permission?: ParticipantPermission;
  readonly disconnect?: (reason: DisconnectReason) => void;
}

export interface RoomRegistryOptions {
  /** livekit.yaml `room.auto_create`: a join to an unknown room creates it (default true). */
  readonly autoCreate: boolean;
  /** Seconds a room nobody joined stays open (livekit default 300). */
  readonly emptyTimeoutS: number;
  /** Seconds a room stays open after its last participant left (livekit default 20). */
  readonly departureTimeoutS: number;
}

/** The longest delay `setTimeout` keeps (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Egress and agent participants do not keep a room open (livekit `IsDependent`). */
const isDependent = (participant: ParticipantRecord) =>
  participant.kind === ParticipantInfo_Kind.EGRESS ||
  participant.kind === ParticipantInfo_Kind.AGENT;

/** The rooms and participants one livekit-server node holds, with its room-closing timers. */
export class RoomRegistry {
  private readonly rooms = new Map<string, RoomRecord>();
  private readonly listeners: ((event: RoomEvent) => void)[] = [];

  constructor(private readonly options: RoomRegistryOptions) {}

  /** Calls `listener` with every event from now on; the returned function stops that. */
  subscribe(listener: (event: RoomEvent) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  get(name: string): RoomRecord | undefined {
    return this.rooms.get(name);
  }

  list(names?: readonly string[]): RoomRecord[] {
    const all = [...this.rooms.values()];
    return names === undefined || names.length === 0
      ? all
      : all.filter((room) => names.includes(room.name));
  }

  /** Creates the room, or returns it unchanged when it exists (as CreateRoom does). */
  create(settings: RoomSettings): RoomRecord {
    const existing = this.rooms.get(settings.name);
    if (existing !== undefined) return existing;
    const room: RoomRecord = {
      sid: newSid('RM_'),
      name: settings.name,
      emptyTimeoutS: settings.emptyTimeoutS || this.options.emptyTimeoutS,
      departureTimeoutS: settings.departureTimeoutS || this.options.departureTimeoutS,
      maxParticipants: settings.maxParticipants ?? 0,
      metadata: settings.metadata ?? '',
      creationTimeMs: Date.now(),
      participants: new Map(),
      activeRecording: false,
      closeTimer: undefined,
    };
    this.rooms.set(room.name, room);
    this.emit({ type: 'room_started', room });
    this.scheduleClose(room, room.emptyTimeoutS);
    return room;
  }

  /** Adds a participant; one already there with the same identity is replaced, as on a real server. */
  join(roomName: string, joining: JoiningParticipant): ParticipantRecord {
    let room = this.rooms.get(roomName);
    if (room === undefined) {
      if (!this.options.autoCreate) throw livekitErrors.roomNotFound();
      room = this.create({ name: roomName });
    }
    if (room.participants.has(joining.identity)) {
      this.leave(room.name, joining.identity, DisconnectReason.DUPLICATE_IDENTITY);
    }
    const participant: ParticipantRecord = {
      sid: newSid('PA_'),
      identity: joining.identity,
      name: joining.name ?? '',
      metadata: joining.metadata ?? '',
      kind: joining.kind ?? ParticipantInfo_Kind.STANDARD,
      joinedAtMs: Date.now(),
      tracks: new Map(),
      hasPublished: false,
      version: 1,
      permission: joining.permission,
      disconnect: joining.disconnect,
    };
    room.participants.set(participant.identity, participant);
    if (!isDependent(participant)) this.cancelClose(room);
    this.emit({ type: 'participant_joined', room, participant });
    return participant;
  }

  /** Removes a participant (its tracks first); false when it was not there. */
  leave(
    roomName: string,
    identity: string,
    reason: DisconnectReason = DisconnectReason.PARTICIPANT_REMOVED,
  ): boolean {
    const room = this.rooms.get(roomName);
    const participant = room?.participants.get(identity);
    if (room === undefined || participant === undefined) return false;
    for (const track of [...participant.tracks.values()]) {
      this.unpublish(room, participant, track);
    }
    room.participants.delete(identity);
    participant.disconnect?.(reason);
    this.emit({ type: 'participant_left', room, participant });
    if (
      this.rooms.get(roomName) === room &&
      ![...room.participants.values()].some((p) => !isDependent(p))
    ) {
      this.scheduleClose(room, room.departureTimeoutS);
    }
    return true;
  }

  /** Publishes a camera track (true) or unpublishes every track (false) of a participant. */
  setPublishing(roomName: string, identity: string, publishing: boolean): void {
    const room = this.rooms.get(roomName);
    const participant = room?.participants.get(identity);
    if (room === undefined) throw livekitErrors.roomNotFound();
    if (participant === undefined) throw livekitErrors.participantNotFound();
    if (!publishing) {
      for (const track of [...participant.tracks.values()])
        this.unpublish(room, participant, track);
      return;
    }
    if (participant.tracks.size > 0) return;
    this.publishTrack(
      roomName,
      identity,
      new TrackInfo({
        sid: newSid('TR_'),
        type: TrackType.VIDEO,
        name: 'camera',
        source: TrackSource.CAMERA,
        width: 1280,
        height: 720,
        mimeType: 'video/H264',
      }),
    );
  }

  /** Adds a published track to a participant still in the room; false when it is not. */
  publishTrack(roomName: string, identity: string, track: TrackInfo): boolean {
    const room = this.rooms.get(roomName);
    const participant = room?.participants.get(identity);
    if (room === undefined || participant === undefined) return false;
    participant.tracks.set(track.sid, track);
    participant.hasPublished = true;
    participant.version++;
    this.emit({ type: 'track_published', room, participant, track });
    return true;
  }

  /** Removes one published track; false when there was no such track. */
  unpublishTrack(roomName: string, identity: string, trackSid: string): boolean {
    const room = this.rooms.get(roomName);
    const participant = room?.participants.get(identity);
    const track = participant?.tracks.get(trackSid);
    if (room === undefined || participant === undefined || track === undefined) return false;
    this.unpublish(room, participant, track);
    return true;
  }

  /** A published track was muted or unmuted by its publisher. */
  setTrackMuted(roomName: string, identity: string, trackSid: string, muted: boolean): void {
    const room = this.rooms.get(roomName);
    const participant = room?.participants.get(identity);
    const track = participant?.tracks.get(trackSid);
    if (room === undefined || participant === undefined || track === undefined) return;
    if (track.muted === muted) return;
    track.muted = muted;
    participant.version++;
    this.emit({ type: 'track_muted', room, participant, track });
  }

  setMetadata(roomName: string, metadata: string): RoomRecord {
    const room = this.rooms.get(roomName);
    if (room === undefined) throw livekitErrors.roomNotFound();
    room.metadata = metadata;
    this.emit({ type: 'room_updated', room });
    return room;
  }

  /** Whether the room is being recorded, as every client reads it from `room.isRecording`. */
  setActiveRecording(roomName: string, active: boolean): void {
    const room = this.rooms.get(roomName);
    if (room === undefined || room.activeRecording === active) return;
    room.activeRecording = active;
    this.emit({ type: 'room_updated', room });
  }

  /** True while a participant that is not an egress or agent publishes a track. */
  hasPublisher(roomName: string): boolean {
    const room = this.rooms.get(roomName);
    if (room === undefined) return false;
    return [...room.participants.values()].some((p) => !isDependent(p) && p.tracks.size > 0);
  }

  /** Closes a room now: everyone leaves, then `room_finished`. False when there was no room. */
  close(roomName: string): boolean {
    const room = this.rooms.get(roomName);
    if (room === undefined) return false;
    this.cancelClose(room);
    this.rooms.delete(roomName);
    for (const participant of [...room.participants.values()]) {
      for (const track of [...participant.tracks.values()])
        this.unpublish(room, participant, track);
      room.participants.delete(participant.identity);
      participant.disconnect?.(DisconnectReason.ROOM_DELETED);
      this.emit({ type: 'participant_left', room, participant });
    }
    this.emit({ type: 'room_finished', room });
    return true;
  }

  /** Stops every timer; rooms are dropped without events (the server is going away). */
  stop(): void {
    for (const room of this.rooms.values()) this.cancelClose(room);
    this.rooms.clear();
  }

  private unpublish(room: RoomRecord, participant: ParticipantRecord, track: TrackInfo): void {
    participant.tracks.delete(track.sid);
    participant.version++;
    this.emit({ type: 'track_unpublished', room, participant, track });
  }

  private scheduleClose(room: RoomRecord, afterS: number): void {
    this.cancelClose(room);
    // Node fires a longer timer (an empty_timeout of years, valid for livekit) after 1 ms.
    const afterMs = Math.min(afterS * 1000, MAX_TIMER_MS);
    room.closeTimer = setTimeout(() => this.close(room.name), afterMs);
    room.closeTimer.unref();
  }

  private cancelClose(room: RoomRecord): void {
    if (room.closeTimer !== undefined) clearTimeout(room.closeTimer);
    room.closeTimer = undefined;
  }

  private emit(event: RoomEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}

export function toRoomProto(room: RoomRecord): Room {
  const participants = [...room.participants.values()];
  return new Room({
    sid: room.sid,
    name: room.name,
    emptyTimeout: room.emptyTimeoutS,
    departureTimeout: room.departureTimeoutS,
    maxParticipants: room.maxParticipants,
    creationTime: BigInt(Math.floor(room.creationTimeMs / 1000)),
    creationTimeMs: BigInt(room.creationTimeMs),
    metadata: room.metadata,
    numParticipants: participants.filter((p) => !isDependent(p)).length,
    numPublishers: participants.filter((p) => p.tracks.size > 0).length,
    activeRecording: room.activeRecording,
  });
}

export function toParticipantProto(participant: ParticipantRecord): ParticipantInfo {
  return new ParticipantInfo({
    sid: participant.sid,
    identity: participant.identity,
    name: participant.name,
    metadata: participant.metadata,
    state: ParticipantInfo_State.ACTIVE,
    kind: participant.kind,
    joinedAt: BigInt(Math.floor(participant.joinedAtMs / 1000)),
    joinedAtMs: BigInt(participant.joinedAtMs),
    tracks: [...participant.tracks.values()].map((track) => track.clone()),
    version: participant.version,
    permission: participant.permission?.clone(),
    isPublisher: participant.hasPublished,
  });
}
