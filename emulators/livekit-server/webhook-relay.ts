import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { listen } from '../harness/listen.js';

/** What the relay saw of one webhook: the event and, for egress events, the egress's state. */
export interface RelayedWebhook {
  readonly event: string;
  readonly egressId?: string;
  readonly egressStatus?: string;
  readonly error?: string;
  /** The receiver's answer (0: not delivered). */
  readonly answeredWith: number;
}

export interface WebhookFault {
  /** `drop`: answered 200 and never delivered (a lost webhook); `duplicate`: delivered twice. */
  readonly kind: 'drop' | 'duplicate';
  /** Only this event (e.g. `egress_ended`); absent: any. */
  readonly event?: string;
  /** How many matching webhooks it applies to (default 1). */
  readonly times?: number;
}

/**
 * A fixed webhook address for livekit.yaml (LiveKit reads its webhook URLs once, at start) that
 * forwards each webhook, bytes and signature untouched, to a receiver chosen later, e.g. a
 * controller on a port it picked after LiveKit started. Faults drop or repeat deliveries.
 */
export interface WebhookRelay {
  readonly url: string;
  /** Where webhooks go from now on; absent: answered 503, so LiveKit retries, then gives up. */
  setTarget(url: string | undefined): void;
  addFault(fault: WebhookFault): void;
  clearFaults(): void;
  /** Every webhook seen so far, oldest first (bounded). */
  readonly seen: readonly RelayedWebhook[];
  /** Resolves with the first webhook, seen before or after the call, that `predicate` accepts. */
  waitFor(
    predicate: (webhook: RelayedWebhook) => boolean,
    timeoutMs?: number,
  ): Promise<RelayedWebhook>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;
const KEPT_WEBHOOKS = 2_000;
const FORWARDED_HEADERS = ['authorization', 'content-type', 'user-agent'];

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('webhook body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function describe(body: Buffer): Omit<RelayedWebhook, 'answeredWith'> {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      event?: unknown;
      egressInfo?: { egressId?: unknown; status?: unknown; error?: unknown };
    };
    const info = parsed.egressInfo;
    return {
      event: typeof parsed.event === 'string' ? parsed.event : '',
      ...(typeof info?.egressId === 'string' ? { egressId: info.egressId } : {}),
      // protojson leaves zero values out: no status is EGRESS_STARTING.
      ...(info === undefined
        ? {}
        : { egressStatus: typeof info.status === 'string' ? info.status : 'EGRESS_STARTING' }),
      ...(typeof info?.error === 'string' ? { error: info.error } : {}),
    };
  } catch {
    return { event: '' };
  }
}

export async function startWebhookRelay(): Promise<WebhookRelay> {
  let target: string | undefined;
  const faults: { kind: WebhookFault['kind']; event?: string; left: number }[] = [];
  const seen: RelayedWebhook[] = [];
  const waiters = new Set<(webhook: RelayedWebhook) => void>();

  const record = (webhook: RelayedWebhook) => {
    seen.push(webhook);
    if (seen.length > KEPT_WEBHOOKS) seen.shift();
    for (const waiter of waiters) waiter(webhook);
  };

  const forward = async (request: IncomingMessage, body: Buffer): Promise<number> => {
    if (target === undefined) return 0;
    const headers: Record<string, string> = {};
    for (const name of FORWARDED_HEADERS) {
      const value = request.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers,
        body: new Uint8Array(body),
        signal: AbortSignal.timeout(10_000),
      });
      await response.arrayBuffer();
      return response.status;
    } catch {
      return 0;
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = await readBody(request);
    const facts = describe(body);
    const faultIndex = faults.findIndex(
      (fault) => fault.event === undefined || fault.event === facts.event,
    );
    const fault = faultIndex === -1 ? undefined : faults[faultIndex];
    if (fault !== undefined && --fault.left === 0) faults.splice(faultIndex, 1);
    if (fault?.kind === 'drop') {
      record({ ...facts, answeredWith: 0 });
      response.writeHead(200).end();
      return;
    }
    let status = await forward(request, body);
    if (fault?.kind === 'duplicate') status = await forward(request, body);
    record({ ...facts, answeredWith: status });
    response.writeHead(status === 0 ? 503 : status).end();
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(400).end();
    });
  });
  const port = await listen(server, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}/webhooks/livekit`,
    setTarget(url) {
      target = url;
    },
    addFault({ kind, event, times = 1 }) {
      faults.push({ kind, ...(event === undefined ? {} : { event }), left: times });
    },
    clearFaults() {
      faults.length = 0;
    },
    seen,
    waitFor(predicate, timeoutMs = 30_000) {
      const earlier = seen.find(predicate);
      if (earlier !== undefined) return Promise.resolve(earlier);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          const events = seen.map((webhook) => `${webhook.event}:${webhook.egressStatus ?? ''}`);
          reject(new Error(`no such webhook within ${timeoutMs} ms; seen ${events.join(', ')}`));
        }, timeoutMs);
        const check = (webhook: RelayedWebhook) => {
          if (!predicate(webhook)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(webhook);
        };
        waiters.add(check);
      });
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
