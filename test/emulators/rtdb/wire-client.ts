import { WebSocket } from 'ws';

type Message = { t: string; d: Record<string, unknown> };

/**
 * A bare protocol-v5 client over `ws`, for checking the wire itself: the handshake, framing,
 * and what the server answers to requests the SDKs would never send.
 */
export class WireClient {
  readonly messages: Message[] = [];
  private buffered: { expected: number; parts: string[] } | undefined;
  private nextRequest = 1;
  private readonly waiters: (() => void)[] = [];
  readonly closed: Promise<number>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => this.receive(data.toString()));
    this.closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
  }

  static async connect(host: string, namespace: string): Promise<WireClient> {
    const client = new WireClient(new WebSocket(`ws://${host}/.ws?v=5&ns=${namespace}`));
    await client.waitFor((message) => message.t === 'c');
    return client;
  }

  private receive(frame: string): void {
    if (this.buffered !== undefined) {
      this.buffered.parts.push(frame);
      if (this.buffered.parts.length < this.buffered.expected) return;
      frame = this.buffered.parts.join('');
      this.buffered = undefined;
    } else if (frame.length <= 6 && /^\d+$/.test(frame)) {
      this.buffered = { expected: Number(frame), parts: [] };
      return;
    }
    this.messages.push(JSON.parse(frame) as Message);
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves with the first message (already received or coming) that `accept` takes. */
  waitFor(accept: (message: Message) => boolean, timeoutMs = 5_000): Promise<Message> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching message')), timeoutMs);
      const check = () => {
        const found = this.messages.find(accept);
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
        } else this.waiters.push(check);
      };
      check();
    });
  }

  sendRaw(frame: string): void {
    this.socket.send(frame);
  }

  /** Sends a data request and resolves with its reply body `{s, d}`. */
  async request(action: string, body: Record<string, unknown>): Promise<{ s: string; d: unknown }> {
    const r = this.nextRequest++;
    this.sendRaw(JSON.stringify({ t: 'd', d: { r, a: action, b: body } }));
    const reply = await this.waitFor((message) => message.t === 'd' && message.d.r === r);
    return reply.d.b as { s: string; d: unknown };
  }

  close(): void {
    this.socket.close();
  }
}
