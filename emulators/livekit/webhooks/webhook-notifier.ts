import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { WebhookEvent } from '@livekit/protocol';
import { type WebhookEventName, webhookResourceKey } from './webhook-event.js';
import { WebhookFaultSwitch } from './webhook-faults.js';
import { signWebhookBody } from './webhook-signature.js';

export interface WebhookNotifierOptions {
  readonly url: string | undefined;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Waits between attempts (go-retryablehttp: 1, 2, 4, 8 s); one retry per entry. */
  readonly retryDelaysMs: readonly number[];
  /** An event that waited longer than this in its queue is dropped (livekit: 30 s). */
  readonly maxQueuedMs: number;
}

interface QueuedWebhook {
  readonly name: WebhookEventName;
  readonly body: string;
  readonly enqueuedAtMs: number;
  readonly delayMs: number;
}

/** livekit's notifier drops new events for a resource whose queue is this deep. */
const MAX_QUEUE_DEPTH = 200;

/**
 * Delivers webhooks as livekit-server does: one FIFO queue per resource with one post in
 * flight, retries on network errors and 5xx (not 501), none on other statuses.
 */
export class WebhookNotifier {
  readonly faults = new WebhookFaultSwitch();
  private url: string | undefined;
  private readonly queues = new Map<string, QueuedWebhook[]>();
  private readonly heldForReorder = new Map<string, QueuedWebhook>();
  private readonly stopping = new AbortController();

  constructor(private readonly options: WebhookNotifierOptions) {
    this.url = options.url;
    // Every post and retry wait in flight listens to it (one queue per resource, so 20 rooms
    // are 20 at once) and lets go when done: no limit, no MaxListenersExceededWarning.
    setMaxListeners(0, this.stopping.signal);
  }

  setUrl(url: string | undefined): void {
    this.url = url;
  }

  notify(event: WebhookEvent): void {
    if (this.url === undefined || this.stopping.signal.aborted) return;
    const name = event.event as WebhookEventName;
    const faults = this.faults.take(name);
    if (faults.some((fault) => fault.kind === 'drop')) return;
    const delayMs = faults.reduce(
      (sum, fault) => sum + (fault.kind === 'delay' ? fault.delayMs : 0),
      0,
    );
    // Serialised now: the body is the event as it was, whatever happens to the resource later.
    const item: QueuedWebhook = {
      name,
      body: JSON.stringify(event.toJson()),
      enqueuedAtMs: Date.now(),
      delayMs,
    };
    const key = webhookResourceKey(event);
    const held = this.heldForReorder.get(key);
    this.heldForReorder.delete(key);
    if (faults.some((fault) => fault.kind === 'reorder')) {
      if (held !== undefined) this.enqueue(key, held);
      this.heldForReorder.set(key, item);
      return;
    }
    this.enqueue(key, item);
    if (faults.some((fault) => fault.kind === 'duplicate')) this.enqueue(key, item);
    if (held !== undefined) this.enqueue(key, held);
  }

  /** Abandons queued and in-flight deliveries. */
  stop(): void {
    this.stopping.abort();
    this.queues.clear();
    this.heldForReorder.clear();
  }

  private enqueue(key: string, item: QueuedWebhook): void {
    const queue = this.queues.get(key);
    if (queue !== undefined) {
      if (queue.length < MAX_QUEUE_DEPTH) queue.push(item);
      return;
    }
    this.queues.set(key, [item]);
    void this.drain(key);
  }

  private async drain(key: string): Promise<void> {
    const queue = this.queues.get(key);
    while (queue !== undefined && queue.length > 0 && !this.stopping.signal.aborted) {
      const item = queue[0];
      if (item !== undefined && Date.now() - item.enqueuedAtMs <= this.options.maxQueuedMs) {
        await this.deliver(item);
      }
      queue.shift();
    }
    if (this.queues.get(key) === queue) this.queues.delete(key);
  }

  private async deliver(item: QueuedWebhook): Promise<void> {
    const signal = this.stopping.signal;
    try {
      if (item.delayMs > 0) await sleep(item.delayMs, undefined, { signal });
      const authorization = signWebhookBody(item.body, this.options.apiKey, this.options.apiSecret);
      for (let attempt = 0; ; attempt++) {
        // Read per attempt so that a test can point a retrying queue at a receiver that came back.
        const url = this.url;
        if (url === undefined) return;
        if (await this.post(url, item.body, authorization, signal)) return;
        const wait = this.options.retryDelaysMs[attempt];
        if (wait === undefined) return;
        await sleep(wait, undefined, { signal });
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    }
  }

  /** One attempt; true when it is over (delivered or refused), false when worth retrying. */
  private async post(
    url: string,
    body: string,
    authorization: string,
    signal: AbortSignal,
  ): Promise<boolean> {
    // A signal of its own per post: fetch leaves its abort listener on the signal it is given
    // until the request is garbage-collected, so the notifier's long-lived signal collected one
    // per webhook (thousands in a bench run, with MaxListenersExceededWarning).
    const request = new AbortController();
    const abort = () => request.abort(signal.reason);
    signal.addEventListener('abort', abort, { once: true });
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          Authorization: authorization,
          'Content-Type': 'application/webhook+json',
          'User-Agent': 'LiveKit',
        },
        body,
        signal: request.signal,
      });
      await response.arrayBuffer();
      return response.status < 500 || response.status === 501;
    } catch (error) {
      if (signal.aborted) throw error;
      return false;
    } finally {
      signal.removeEventListener('abort', abort);
    }
  }
}
