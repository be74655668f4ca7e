import { existsSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookDelivery {
  readonly body: string;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly userAgent: string | undefined;
  /** What the body says, parsed loosely for test predicates. */
  readonly event: string;
  readonly egressId: string | undefined;
  /** For an egress event with a file location: the file's size at the moment it arrived. */
  readonly locationSizeOnArrival: number | undefined;
}

/** An HTTP status to answer, or `reset` to cut the connection (a network error for the sender). */
type Responder = (delivery: WebhookDelivery) => number | 'reset';

/** A webhook receiver on loopback that records every post and answers as a test tells it. */
export class WebhookInbox {
  readonly deliveries: WebhookDelivery[] = [];
  private respond: Responder = () => 200;
  private waiters: (() => void)[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookInbox> {
    let inbox: WebhookInbox | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const parsed = JSON.parse(body) as {
          event: string;
          egressInfo?: { egressId?: string; fileResults?: { location?: string }[] };
        };
        const location = parsed.egressInfo?.fileResults?.[0]?.location;
        const delivery: WebhookDelivery = {
          body,
          authorization: request.headers.authorization,
          contentType: request.headers['content-type'],
          userAgent: request.headers['user-agent'],
          event: parsed.event,
          egressId: parsed.egressInfo?.egressId,
          locationSizeOnArrival:
            location !== undefined && existsSync(location) ? statSync(location).size : undefined,
        };
        inbox?.deliveries.push(delivery);
        const answer = inbox?.respond(delivery) ?? 200;
        if (answer === 'reset') request.socket.destroy();
        else response.writeHead(answer).end();
        for (const wake of inbox?.waiters.splice(0) ?? []) wake();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    inbox = new WebhookInbox(server, `http://127.0.0.1:${port}/webhook`);
    return inbox;
  }

  /** Sets the HTTP status answered to each delivery from now on. */
  answerWith(responder: Responder): void {
    this.respond = responder;
  }

  events(filter: (delivery: WebhookDelivery) => boolean = () => true): string[] {
    return this.deliveries.filter(filter).map((delivery) => delivery.event);
  }

  /** Resolves with the deliveries once `done` holds for them; fails after `timeoutMs`. */
  async waitFor(
    done: (deliveries: readonly WebhookDelivery[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<WebhookDelivery[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.deliveries)) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`webhooks not as expected; received: ${this.events().join(', ')}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return [...this.deliveries];
  }

  /** Waits for the first delivery of `event` whose body mentions `mentioning` (a room name, an egress id). */
  async next(event: string, mentioning?: string, timeoutMs?: number): Promise<WebhookDelivery> {
    const matches = (delivery: WebhookDelivery) =>
      delivery.event === event && (mentioning === undefined || delivery.body.includes(mentioning));
    const deliveries = await this.waitFor((all) => all.some(matches), timeoutMs);
    const found = deliveries.find(matches);
    if (found === undefined) throw new Error('unreachable');
    return found;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
