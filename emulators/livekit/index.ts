import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AuthMiddlewareError, authenticateRequest } from './auth/request-token.js';
import {
  EgressRegistry,
  KILLED_WORKER_STOP_ANSWER_MS,
  STOP_REQUEST_TIMEOUT_MS,
} from './egress/egress-registry.js';
import { type LivekitEmulatorOptions, livekitEmulatorOptionsSchema } from './emulator-options.js';
import { RoomRegistry } from './rooms/room-registry.js';
import { RtcEndpoint } from './signal/rtc-endpoint.js';
import { egressService } from './twirp/egress-service.js';
import { roomService } from './twirp/room-service.js';
import { serveTwirp } from './twirp/twirp-server.js';
import { webhookForRoomEvent } from './webhooks/room-webhook.js';
import { buildWebhookEvent } from './webhooks/webhook-event.js';
import type { WebhookFault } from './webhooks/webhook-faults.js';
import { WebhookNotifier } from './webhooks/webhook-notifier.js';

export type { LivekitEmulatorOptions } from './emulator-options.js';
export type { WebhookEventName } from './webhooks/webhook-event.js';
export type { WebhookFault } from './webhooks/webhook-faults.js';

/** What tests do to the emulated world that a real deployment does through browsers and workers. */
export interface LivekitEmulatorControls {
  readonly rooms: {
    /** A participant joins (the room is created if needed) as if its client connected. */
    addParticipant(
      room: string,
      participant: { identity: string; name?: string; metadata?: string },
    ): void;
    /** The participant leaves as if its client disconnected; false when it was not there. */
    removeParticipant(room: string, identity: string): boolean;
    /** Publishes a camera track (true) or unpublishes every track (false). */
    setPublishing(room: string, identity: string, publishing: boolean): void;
    /** Closes the room now, as when its timeout expires; false when there was no room. */
    close(room: string): boolean;
    /**
     * A network fault: the participant's signal socket drops without a LeaveRequest (its
     * client then joins again); false when it had no connection.
     */
    breakConnection(room: string, identity: string): boolean;
  };
  readonly egress: {
    /**
     * false: every start answers 503 `unavailable` "no response from servers", after
     * `answerAfterMs` (the real server takes 10-25 s, longer than the SDK's default timeout).
     */
    setWorkerAvailable(available: boolean, options?: { answerAfterMs?: number }): void;
    /** true: finished files lack their `moov` box, as a killed egress leaves them. */
    setTruncatedFiles(truncated: boolean): void;
    /** The worker fails the egress: FAILED with `error`, no file. */
    fail(egressId: string, error?: string): void;
    /** The session limit is hit now: LIMIT_REACHED, file kept. */
    reachLimit(egressId: string): void;
    /**
     * The worker is shut down (SIGINT) under one egress, or all when no id: ENDING, then FAILED
     * "server is shutting down" with the file finished, copied and in `fileResults` (no
     * manifest); a STARTING one ends ABORTED. Starts are still taken: a worker gone for good
     * is `setWorkerAvailable(false)` too.
     */
    shutDown(egressId?: string): void;
    /**
     * An audio-only egress without Chrome (SDK source) loses its room connection: ENDING, then
     * FAILED "recording ended early: connection to room failed" with its complete file; throws
     * for an egress recorded through Chrome.
     */
    loseRoomConnection(egressId: string): void;
    /**
     * The worker is killed (SIGKILL) under one egress, or under every running one when no id:
     * nothing more is reported (no `egress_updated`, no `egress_ended`), ListEgress keeps its
     * STARTING or ACTIVE for good, its recorder leaves the room, its file stops growing in the
     * private directory and nothing reaches the output directory; StopEgress answers 408
     * `deadline_exceeded` "twirp error unknown: request timed out" after `stopAnswerAfterMs`
     * (default 3 s, the real server's). Starts are still taken.
     */
    kill(egressId?: string, options?: { stopAnswerAfterMs?: number }): void;
    /**
     * livekit-server forgets one egress, or every egress when no id, as in a Redis restart:
     * ListEgress by id, StopEgress and UpdateLayout answer `not_found` "twirp error unknown:
     * egress does not exist", ListEgress by room leaves it out. Its worker records on, and its
     * next report (the end, when its room closes) makes it known again with its webhook; a
     * worker that never reports again is `kill` too.
     */
    forget(egressId?: string): void;
    /**
     * true: StopEgress of an egress whose recorder is launching (STARTING with a publisher
     * there, during `egressActivationDelayMs`) waits until the launch is over, then ends it
     * ABORTED "Stop called before pipeline could start" (no ENDING update) and answers with
     * that; a launch longer than `timeoutMs` (default 15 s, the real server's) gets 408
     * `deadline_exceeded` "twirp error unknown: request timed out" and the egress is aborted
     * when it launches. An egress waiting for a publisher is stopped at once either way.
     * false (the default): a stop while STARTING ends the egress at once.
     */
    setStopWaitsForLaunch(waits: boolean, options?: { timeoutMs?: number }): void;
  };
  readonly webhooks: {
    setUrl(url: string | undefined): void;
    addFault(fault: WebhookFault): void;
    clearFaults(): void;
  };
}

export interface LivekitEmulator {
  /** `http://<host>:<port>`, what LIVEKIT_URL takes (the SDKs turn it into ws:// for signalling). */
  readonly url: string;
  readonly port: number;
  readonly controls: LivekitEmulatorControls;
  stop(): Promise<void>;
}

function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
}

/** Starts a LiveKit server with one room-composite egress worker, on loopback by default. */
export async function startLivekitEmulator(
  options: LivekitEmulatorOptions,
): Promise<LivekitEmulator> {
  const config = livekitEmulatorOptionsSchema.parse(options);
  const secrets = new Map(Object.entries(config.keys));
  const webhookApiKey = config.webhookApiKey ?? [...secrets.keys()][0] ?? '';
  const webhookApiSecret = secrets.get(webhookApiKey);
  if (webhookApiSecret === undefined) throw new Error('webhook api_key must be one of the keys');

  const workDir = await mkdtemp(join(tmpdir(), 'livekit-egress-'));
  const notifier = new WebhookNotifier({
    url: config.webhookUrl,
    apiKey: webhookApiKey,
    apiSecret: webhookApiSecret,
    retryDelaysMs: config.webhookRetryDelaysMs,
    maxQueuedMs: config.webhookMaxQueuedMs,
  });
  const rooms = new RoomRegistry({
    autoCreate: config.autoCreateRooms,
    emptyTimeoutS: config.roomEmptyTimeoutS,
    departureTimeoutS: config.roomDepartureTimeoutS,
  });
  rooms.subscribe((event) => {
    const webhook = webhookForRoomEvent(event);
    if (webhook !== undefined) notifier.notify(webhook);
  });
  const egress = new EgressRegistry({
    rooms,
    outputDir: resolve(config.outputDir),
    workDir,
    timing: {
      activationDelayMs: config.egressActivationDelayMs,
      startTimeoutMs: config.egressStartTimeoutMs,
      maxDurationMs: config.egressMaxDurationMs,
      writeIntervalMs: config.egressWriteIntervalMs,
      fillerBytesPerSecond: config.egressFillerBytesPerSecond,
    },
    onEvent: (name, egressInfo) => notifier.notify(buildWebhookEvent(name, { egressInfo })),
  });
  const services = { RoomService: roomService(rooms), Egress: egressService(egress) };
  const rtc = new RtcEndpoint({ secrets, rooms, autoCreate: config.autoCreateRooms });

  const server = createServer((request, response) => {
    const url = requestUrl(request.url);
    if (url === undefined) {
      response
        .writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end('bad request URL');
      return;
    }
    if (rtc.serveValidate(request, response, url)) return;
    let claims: ReturnType<typeof authenticateRequest>;
    try {
      claims = authenticateRequest(request, url, secrets);
    } catch (error) {
      const status = error instanceof AuthMiddlewareError ? 401 : 500;
      response
        .writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' })
        .end((error as Error).message);
      return;
    }
    void serveTwirp(request, response, url.pathname, services, { claims }).then((served) => {
      if (!served) {
        response
          .writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' })
          .end('404 page not found\n');
      }
    });
  });
  server.on('upgrade', (request, socket, head) => {
    const url = requestUrl(request.url);
    if (url === undefined || !rtc.serveUpgrade(request, socket, head, url)) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
    }
  });
  await new Promise<void>((resolveListening, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolveListening());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${config.host}:${port}`,
    port,
    controls: {
      rooms: {
        addParticipant: (room, participant) => {
          rooms.join(room, participant);
        },
        removeParticipant: (room, identity) => rooms.leave(room, identity),
        setPublishing: (room, identity, publishing) =>
          rooms.setPublishing(room, identity, publishing),
        close: (room) => rooms.close(room),
        breakConnection: (room, identity) => rtc.breakConnection(room, identity),
      },
      egress: {
        setWorkerAvailable: (available, options) => {
          egress.workerAvailable = available;
          egress.noWorkerAnswerDelayMs = options?.answerAfterMs ?? 0;
        },
        setTruncatedFiles: (truncated) => {
          egress.truncateFiles = truncated;
        },
        fail: (egressId, error = 'pipeline failed') => egress.fail(egressId, error),
        reachLimit: (egressId) => egress.reachLimit(egressId),
        shutDown: (egressId) => egress.shutDown(egressId),
        loseRoomConnection: (egressId) => egress.loseRoomConnection(egressId),
        kill: (egressId, options) =>
          egress.kill(egressId, options?.stopAnswerAfterMs ?? KILLED_WORKER_STOP_ANSWER_MS),
        forget: (egressId) => egress.forget(egressId),
        setStopWaitsForLaunch: (waits, options) => {
          egress.stopWaitsForLaunchMs = waits
            ? (options?.timeoutMs ?? STOP_REQUEST_TIMEOUT_MS)
            : undefined;
        },
      },
      webhooks: {
        setUrl: (url) => notifier.setUrl(url),
        addFault: (fault) => notifier.faults.add(fault),
        clearFaults: () => notifier.faults.clear(),
      },
    },
    async stop() {
      notifier.stop();
      rtc.close();
      await egress.stopAll();
      rooms.stop();
      server.closeAllConnections();
      await new Promise<void>((resolveClosed) => server.close(() => resolveClosed()));
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
