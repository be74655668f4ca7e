import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { JoinRequest } from '@livekit/protocol';
import { WebSocketServer } from 'ws';
import { AuthMiddlewareError, authenticateRequest } from '../auth/request-token.js';
import type { RoomRegistry } from '../rooms/room-registry.js';
import { decodeJoinRequest } from './join-request.js';
import { JoinRefusal, type JoinTarget, validateJoin } from './join-validation.js';
import { ParticipantSession } from './participant-session.js';

const SIGNAL_PATHS = new Set(['/rtc', '/rtc/v1']);
const VALIDATE_PATHS = new Set(['/rtc/validate', '/rtc/v1/validate']);
/** Browsers call validate from the app's origin; livekit-server allows any. */
const VALIDATE_HEADERS = {
  'Content-Type': 'text/plain; charset=utf-8',
  'Access-Control-Allow-Origin': '*',
} as const;

export interface RtcEndpointOptions {
  readonly secrets: ReadonlyMap<string, string>;
  readonly rooms: RoomRegistry;
  readonly autoCreate: boolean;
}

const STATUS_TEXT: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
};

/**
 * The signal endpoint `/rtc` (and `/rtc/v1`, which livekit-client 2 tries first) with its
 * `/validate` twins, which the client calls after a failed upgrade to learn why.
 */
export class RtcEndpoint {
  private readonly sockets = new WebSocketServer({ noServer: true });
  private readonly sessions = new Set<ParticipantSession>();

  constructor(private readonly options: RtcEndpointOptions) {}

  /** Answers `GET /rtc/validate`; false when the path is not one of ours. */
  serveValidate(request: IncomingMessage, response: ServerResponse, url: URL): boolean {
    if (!VALIDATE_PATHS.has(url.pathname)) return false;
    try {
      this.authorize(request, url);
      response.writeHead(200, VALIDATE_HEADERS).end('success');
    } catch (error) {
      const refusal = this.toRefusal(error);
      response.writeHead(refusal.httpStatus, VALIDATE_HEADERS).end(refusal.message);
    }
    return true;
  }

  /** Handles a WebSocket upgrade; false when the path is not one of ours. */
  serveUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, url: URL): boolean {
    if (!SIGNAL_PATHS.has(url.pathname)) return false;
    let target: JoinTarget;
    let joinRequest: JoinRequest | undefined;
    try {
      target = this.authorize(request, url);
      joinRequest = this.joinRequestOf(url);
    } catch (error) {
      const refusal = this.toRefusal(error);
      const body = refusal.message;
      socket.end(
        `HTTP/1.1 ${refusal.httpStatus} ${STATUS_TEXT[refusal.httpStatus] ?? 'Error'}\r\n` +
          `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
      return true;
    }
    this.sockets.handleUpgrade(request, socket, head, (webSocket) => {
      const session = new ParticipantSession(webSocket, target, this.options.rooms);
      this.sessions.add(session);
      session.onClosed(() => this.sessions.delete(session));
      session.start(joinRequest);
    });
    return true;
  }

  /** Breaks the signal connections of `identity` in `roomName`; false when it had none. */
  breakConnection(roomName: string, identity: string): boolean {
    const broken = [...this.sessions].filter(
      (session) => session.target.roomName === roomName && session.target.identity === identity,
    );
    for (const session of broken) session.breakConnection();
    return broken.length > 0;
  }

  close(): void {
    for (const client of this.sockets.clients) client.terminate();
    this.sockets.close();
  }

  private authorize(request: IncomingMessage, url: URL): JoinTarget {
    const claims = authenticateRequest(request, url, this.options.secrets);
    const requestedRoom = url.searchParams.get('room') ?? '';
    return validateJoin(claims, requestedRoom, this.options.rooms, this.options.autoCreate);
  }

  /** `/rtc/v1` carries the join request (with the first offer); livekit-server requires it. */
  private joinRequestOf(url: URL): JoinRequest | undefined {
    if (url.pathname !== '/rtc/v1') return undefined;
    const parameter = url.searchParams.get('join_request');
    if (parameter === null || parameter === '') {
      throw new JoinRefusal(400, 'join_request is required');
    }
    return decodeJoinRequest(parameter);
  }

  private toRefusal(error: unknown): JoinRefusal {
    if (error instanceof JoinRefusal) return error;
    if (error instanceof AuthMiddlewareError) return new JoinRefusal(401, error.message);
    throw error;
  }
}
