import {
  EgressClient,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptionsPreset,
  RoomServiceClient,
  ServerError,
} from 'livekit-server-sdk';
import pRetry, { AbortError } from 'p-retry';
import type { EgressChoice } from '../commands/recording-options.js';
import { AppError } from '../errors.js';
import { type EgressSnapshot, egressSnapshot } from './egress-snapshot.js';

/**
 * `ParticipantInfo.Kind.EGRESS` of LiveKit's livekit_models.proto (an enum number is wire format:
 * it never changes). livekit-server-sdk re-exports the protocol classes it takes and returns but
 * not this enum, and importing `@livekit/protocol` ourselves would load a second copy of the whole
 * protocol beside the SDK's own pinned one (and it is no production dependency).
 */
export const EGRESS_PARTICIPANT_KIND = 2;

export interface LivekitRecorderOptions {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Seconds one API call may take. */
  readonly requestTimeoutS?: number;
  /**
   * Seconds a StartRoomCompositeEgress may take: above the real server's own no-worker answer
   * (20–23 s of retries, emulators/livekit/README.md), or the SDK gives up first and the
   * controller cannot tell "no worker" from "no answer".
   */
  readonly startTimeoutS?: number;
  /** Tries of an idempotent call on transport errors and 5xx (the first included). */
  readonly attempts?: number;
}

export interface ParticipantView {
  readonly identity: string;
  /**
   * Whether the participant has a track now. Not LiveKit's `isPublisher`: that stays true once
   * a participant has published, also after it unpublished everything.
   */
  readonly publishing: boolean;
}

export interface RoomCompositeRequest {
  readonly roomName: string;
  /** As the egress container sees it. */
  readonly filepath: string;
  readonly choice: EgressChoice;
}

export type LivekitErrorCode =
  | 'egress_unavailable'
  | 'livekit_unreachable'
  | 'livekit_refused'
  /** The room or the egress does not exist (twirp `not_found`). */
  | 'not_found';

export class LivekitError extends AppError {
  declare readonly code: LivekitErrorCode;
}

/** 503 `unavailable` is what LiveKit answers when no egress worker can take the request. */
function toLivekitError(error: unknown): LivekitError {
  if (error instanceof ServerError) {
    if (error.status === 404 || error.code === 'not_found') {
      return new LivekitError('not_found', 404, error.message, { cause: error });
    }
    if (
      error.status === 503 ||
      error.code === 'unavailable' ||
      error.code === 'resource_exhausted'
    ) {
      return new LivekitError(
        'egress_unavailable',
        503,
        `No egress worker is available: ${error.message}`,
        {
          cause: error,
        },
      );
    }
    if (error.status >= 500) {
      return new LivekitError('livekit_unreachable', 503, `LiveKit failed: ${error.message}`, {
        cause: error,
      });
    }
    return new LivekitError(
      'livekit_refused',
      502,
      `LiveKit refused the request: ${error.message}`,
      {
        cause: error,
      },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new LivekitError('livekit_unreachable', 503, `LiveKit could not be reached: ${message}`, {
    cause: error,
  });
}

const isRetryable = (error: unknown) => !(error instanceof ServerError) || error.status >= 500;

/**
 * The calls the recording domain makes to LiveKit, typed and with errors that carry a stable code.
 * Idempotent calls are retried on transport errors and 5xx; starting an egress is not, because a
 * retry after a lost answer would start a second recording.
 */
export class LivekitRecorder {
  private readonly egress: EgressClient;
  private readonly egressStarts: EgressClient;
  private readonly rooms: RoomServiceClient;
  private readonly attempts: number;

  constructor(options: LivekitRecorderOptions) {
    const clientOptions = { requestTimeout: options.requestTimeoutS ?? 10 };
    this.egress = new EgressClient(
      options.apiUrl,
      options.apiKey,
      options.apiSecret,
      clientOptions,
    );
    this.egressStarts = new EgressClient(options.apiUrl, options.apiKey, options.apiSecret, {
      requestTimeout: options.startTimeoutS ?? 40,
    });
    this.rooms = new RoomServiceClient(
      options.apiUrl,
      options.apiKey,
      options.apiSecret,
      clientOptions,
    );
    this.attempts = options.attempts ?? 3;
  }

  private async idempotent<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await pRetry(
        async () => {
          try {
            return await call();
          } catch (error) {
            if (!isRetryable(error))
              throw new AbortError(error instanceof Error ? error : String(error));
            throw error;
          }
        },
        { retries: this.attempts - 1, minTimeout: 200, maxTimeout: 2_000 },
      );
    } catch (error) {
      throw toLivekitError(error);
    }
  }

  /** People in the room (the egress's own recorder participant is not one of them). */
  async listParticipants(roomName: string): Promise<ParticipantView[]> {
    const participants = await this.idempotent(() => this.rooms.listParticipants(roomName));
    return participants
      .filter((participant) => participant.kind !== EGRESS_PARTICIPANT_KIND)
      .map((participant) => ({
        identity: participant.identity,
        publishing: participant.tracks.length > 0,
      }));
  }

  async startRoomComposite(request: RoomCompositeRequest): Promise<EgressSnapshot> {
    try {
      const info = await this.egressStarts.startRoomCompositeEgress(
        request.roomName,
        {
          file: new EncodedFileOutput({
            fileType: EncodedFileType.MP4,
            filepath: request.filepath,
          }),
        },
        // Audio only with no layout is the egress path without Chrome; MP4 then holds AAC.
        request.choice.audioOnly
          ? { audioOnly: true }
          : {
              layout: request.choice.layout,
              encodingOptions: EncodingOptionsPreset[request.choice.preset],
            },
      );
      return egressSnapshot(info);
    } catch (error) {
      throw toLivekitError(error);
    }
  }

  async stopEgress(egressId: string): Promise<EgressSnapshot> {
    return egressSnapshot(await this.idempotent(() => this.egress.stopEgress(egressId)));
  }

  async listEgress(filter: {
    roomName?: string;
    egressId?: string;
    active?: boolean;
  }): Promise<EgressSnapshot[]> {
    const infos = await this.idempotent(() => this.egress.listEgress(filter));
    return infos.map(egressSnapshot);
  }
}
