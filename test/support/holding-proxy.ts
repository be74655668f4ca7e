import {
  type AddressInfo,
  createServer,
  type Server,
  type Socket,
  connect as tcpConnect,
} from 'node:net';

interface Waiter {
  readonly pattern: RegExp;
  readonly resolve: () => void;
}

/**
 * A TCP proxy in front of a server that can hold what the server sends and then hand it over in
 * one write, so the client reads several messages in one network read, as a busy client does
 * when it falls behind its socket. What the client sends always passes straight through.
 */
export class HoldingProxy {
  private readonly sockets = new Set<Socket>();
  private readonly held = new Map<Socket, Buffer[]>();
  private waiters: Waiter[] = [];
  private holding = false;
  private readonly server: Server;
  private readonly upstream: URL;

  private constructor(upstreamHost: string) {
    this.upstream = new URL(`http://${upstreamHost}`);
    this.server = createServer((client) => this.connect(client));
  }

  /** A proxy on loopback, on a free port, in front of `upstreamHost` (host:port). */
  static async start(upstreamHost: string): Promise<HoldingProxy> {
    const proxy = new HoldingProxy(upstreamHost);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** host:port of the proxy, as an emulator host variable names it. */
  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private connect(client: Socket): void {
    const server = tcpConnect(Number(this.upstream.port), this.upstream.hostname);
    this.sockets.add(client).add(server);
    client.pipe(server);
    server.on('data', (chunk: Buffer) => this.fromServer(client, chunk));
    const end = () => {
      for (const socket of [client, server]) {
        socket.destroy();
        this.sockets.delete(socket);
      }
    };
    for (const socket of [client, server]) socket.on('close', end).on('error', end);
  }

  private fromServer(client: Socket, chunk: Buffer): void {
    if (!this.holding) {
      client.write(chunk);
      return;
    }
    this.held.set(client, [...(this.held.get(client) ?? []), chunk]);
    const text = this.heldText();
    const met = this.waiters.filter((waiter) => waiter.pattern.test(text));
    this.waiters = this.waiters.filter((waiter) => !met.includes(waiter));
    for (const waiter of met) waiter.resolve();
  }

  private heldText(): string {
    return [...this.held.values()].map((chunks) => Buffer.concat(chunks).toString('utf8')).join();
  }

  /** From now on, what the server sends waits here until `release`. */
  hold(): void {
    this.holding = true;
  }

  /** Resolves once what is held, read as text, matches `pattern`. */
  untilHeld(pattern: RegExp, timeoutMs = 5_000): Promise<void> {
    if (pattern.test(this.heldText())) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter.pattern !== pattern);
        reject(new Error(`nothing held matched ${pattern}`));
      }, timeoutMs);
      this.waiters.push({
        pattern,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  /** Hands everything held to each client in one write, and stops holding. */
  release(): void {
    this.holding = false;
    for (const [client, chunks] of this.held) client.write(Buffer.concat(chunks));
    this.held.clear();
  }

  async close(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
