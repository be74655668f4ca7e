import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Page } from 'playwright-core';

/** What the page reports after every room event (see join-page.html). */
export interface PageSnapshot {
  readonly state: string;
  readonly isRecording: boolean;
  /** livekit-client's `DisconnectReason`, once the room disconnected. */
  readonly disconnectReason: number | undefined;
  readonly localTracks: readonly string[];
  readonly remotes: readonly {
    readonly identity: string;
    readonly sid: string;
    readonly tracks: readonly string[];
  }[];
}

export type ConnectOutcome =
  | { readonly connectMs: number }
  | {
      readonly error: { readonly name: string; readonly message: string; readonly reason?: number };
    };

const WAIT_MS = 15_000;

/**
 * Serves the test page and the `livekit-client` UMD bundle from node_modules on loopback, so
 * the page runs the unmodified client from a secure (loopback) origin.
 */
export class JoinPageServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<JoinPageServer> {
    const bundlePath = createRequire(import.meta.url).resolve('livekit-client');
    const [html, bundle] = await Promise.all([
      readFile(new URL('./join-page.html', import.meta.url)),
      readFile(bundlePath),
    ]);
    const server = createServer((request, response) => {
      if (request.url === '/') {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
      } else if (request.url === '/livekit-client.umd.js') {
        response.writeHead(200, { 'Content-Type': 'text/javascript' }).end(bundle);
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new JoinPageServer(server, `http://127.0.0.1:${port}/`);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

interface Waiter {
  readonly predicate: (snapshot: PageSnapshot) => boolean;
  readonly resolve: (snapshot: PageSnapshot) => void;
}

/** One browser tab running livekit-client, driven and observed by the test. */
export class JoinPage {
  private latest: PageSnapshot = {
    state: 'none',
    isRecording: false,
    disconnectReason: undefined,
    localTracks: [],
    remotes: [],
  };
  private readonly waiters = new Set<Waiter>();
  /** The path of every WebSocket the page opened (`/rtc/v1`, `/rtc`), in order. */
  readonly socketPaths: string[] = [];

  private constructor(readonly page: Page) {
    page.on('websocket', (socket) => this.socketPaths.push(new URL(socket.url()).pathname));
  }

  static async open(context: BrowserContext, pageUrl: string): Promise<JoinPage> {
    const page = await context.newPage();
    const joinPage = new JoinPage(page);
    await page.exposeFunction('report', (snapshot: PageSnapshot) => joinPage.onReport(snapshot));
    await page.goto(pageUrl);
    return joinPage;
  }

  /** `roomOptions` are livekit-client's `RoomOptions` (JSON-serialisable ones). */
  connect(
    livekitUrl: string,
    token: string,
    roomOptions: Record<string, unknown> = {},
  ): Promise<ConnectOutcome> {
    const args = [livekitUrl, token, roomOptions].map((arg) => JSON.stringify(arg)).join(', ');
    return this.page.evaluate(`lk.connect(${args})`);
  }

  async publish(): Promise<void> {
    await this.page.evaluate('lk.publish()');
  }

  async unpublishCamera(): Promise<void> {
    await this.page.evaluate('lk.unpublishCamera()');
  }

  async disconnect(): Promise<void> {
    await this.page.evaluate('lk.disconnect()');
  }

  /** Resolves with the first reported snapshot that satisfies `predicate`; rejects after 15 s. */
  waitFor(what: string, predicate: (snapshot: PageSnapshot) => boolean): Promise<PageSnapshot> {
    if (predicate(this.latest)) return Promise.resolve(this.latest);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve: (snapshot) => {
          clearTimeout(timer);
          resolve(snapshot);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`page never reported ${what}; last: ${JSON.stringify(this.latest)}`));
      }, WAIT_MS);
      this.waiters.add(waiter);
    });
  }

  private onReport(snapshot: PageSnapshot): void {
    this.latest = snapshot;
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(snapshot)) {
        this.waiters.delete(waiter);
        waiter.resolve(snapshot);
      }
    }
  }
}
