import { type RealLivekitBinaries, realLivekitAvailability } from './binaries.js';
import {
  type EgressWorker,
  type EgressWorkerOptions,
  startEgressWorker,
} from './egress-worker-process.js';
import { type LivekitServer, startLivekitServer } from './livekit-server-process.js';
import { type RedisServer, startRedisServer } from './redis-server.js';
import { startWebhookRelay, type WebhookRelay } from './webhook-relay.js';

export { realLivekitAvailability } from './binaries.js';
export type { EgressWorker, EgressWorkerFaults } from './egress-worker-process.js';
export type { RelayedWebhook, WebhookFault, WebhookRelay } from './webhook-relay.js';

export interface RealLivekitOptions {
  readonly apiKey: string;
  readonly apiSecret: string;
  /** livekit-server nodes on the one Redis (default 1). */
  readonly nodes?: number;
  /** Egress workers (default 1; 0: no worker registered). */
  readonly workers?: number;
  /** Per-worker settings (faults at start, a directory of its own). */
  readonly worker?: (index: number) => Partial<EgressWorkerOptions>;
  readonly emptyTimeoutS?: number;
  readonly departureTimeoutS?: number;
  /** The first node's HTTP/WebSocket port; absent: a free one. */
  readonly port?: number;
}

/** One livekit-server node, with the relay its webhooks go through (each VM has its own). */
export interface RealLivekitNode extends LivekitServer {
  readonly webhooks: WebhookRelay;
}

/**
 * The real LiveKit as the VM runs it: Redis (no persistence), livekit-server nodes and egress
 * workers on loopback, each node with a webhook relay whose receiver a test sets once it is
 * listening.
 */
export interface RealLivekit {
  /** The first node's URL: what LIVEKIT_URL takes. */
  readonly url: string;
  readonly nodes: readonly RealLivekitNode[];
  readonly workers: EgressWorker[];
  readonly redis: RedisServer;
  /** The first node's webhook relay. */
  readonly webhooks: WebhookRelay;
  /** Starts one more egress worker (e.g. after one was killed). */
  addWorker(options?: Partial<EgressWorkerOptions>): Promise<EgressWorker>;
  stop(): Promise<void>;
}

/**
 * Throws with the way to enable them when the binaries or redis-server are missing; the egress
 * worker's binary only when workers are wanted.
 */
async function builtBinaries(egressWorker: boolean): Promise<RealLivekitBinaries> {
  const availability = await realLivekitAvailability({ egressWorker });
  if (!availability.available) throw new Error(availability.reason);
  return availability.binaries;
}

export async function startRealLivekit(options: RealLivekitOptions): Promise<RealLivekit> {
  const binaries = await builtBinaries((options.workers ?? 1) > 0);
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => {});
  };
  try {
    const redis = await startRedisServer();
    stops.push(redis.stop);
    const nodes: RealLivekitNode[] = [];
    for (let index = 0; index < (options.nodes ?? 1); index++) {
      const webhooks = await startWebhookRelay();
      stops.push(webhooks.close);
      const node = await startLivekitServer({
        binary: binaries.server,
        redisAddress: redis.address,
        apiKey: options.apiKey,
        apiSecret: options.apiSecret,
        webhookUrl: webhooks.url,
        emptyTimeoutS: options.emptyTimeoutS,
        departureTimeoutS: options.departureTimeoutS,
        port: index === 0 ? options.port : undefined,
      });
      stops.push(node.stop);
      nodes.push({ ...node, webhooks });
    }
    const first = nodes[0];
    if (first === undefined) throw new Error('at least one livekit-server node is needed');
    const url = first.url;
    const workers: EgressWorker[] = [];
    const addWorker = async (extra: Partial<EgressWorkerOptions> = {}) => {
      const worker = await startEgressWorker({
        binary: binaries.egressWorker,
        redisAddress: redis.address,
        // Worker n talks to node n (modulo), as each VM's egress talks to its own server.
        livekitUrl: (nodes[workers.length % nodes.length] ?? first).url,
        apiKey: options.apiKey,
        apiSecret: options.apiSecret,
        ...options.worker?.(workers.length),
        ...extra,
      });
      stops.push(worker.stop);
      workers.push(worker);
      return worker;
    };
    for (let index = 0; index < (options.workers ?? 1); index++) await addWorker();
    return { url, nodes, workers, redis, webhooks: first.webhooks, addWorker, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
