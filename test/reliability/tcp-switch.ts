import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP path to a server that a test can cut and restore: while cut, every open connection is
 * reset and new ones are refused, as when a host goes away; the server behind it never knows.
 */
export class TcpSwitch {
  private cut = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async to(target: { host: string; port: number }): Promise<TcpSwitch> {
    let self: TcpSwitch | undefined;
    const server = createServer((client) => {
      if (self === undefined || self.cut) {
        client.resetAndDestroy();
        return;
      }
      const upstream = createConnection(target);
      for (const socket of [client, upstream]) {
        self.sockets.add(socket);
        socket.once('close', () => self?.sockets.delete(socket));
        socket.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('no address');
    self = new TcpSwitch(server, address.port);
    return self;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut) for (const socket of this.sockets) socket.resetAndDestroy();
  }

  async close(): Promise<void> {
    this.setCut(true);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
