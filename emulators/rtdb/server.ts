import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { listen } from '../harness/listen.js';
import { Connection, MAX_MESSAGE_CHARS } from './connection.js';
import { type AppliedChange, Namespace, type WriteObserver } from './namespace.js';
import { parsePath } from './path.js';
import { readImport, writeExport } from './persistence.js';
import { handleRestRequest } from './rest.js';
import { compileRules } from './rules.js';

export interface RtdbEmulatorOptions {
  /** Port to listen on; 0 or absent picks a free one. */
  readonly port?: number;
  readonly host?: string;
  /** Rules JSON text (comments allowed) every namespace starts with; default: open. */
  readonly rules?: string;
  /** Data to load at start: an emulator export directory, or a JSON file `{namespace: data}`. */
  readonly importFile?: string;
  /** Directory to write every namespace to when stopped, in the emulator export layout. */
  readonly exportOnExit?: string;
  /** Receives protocol oddities (unknown actions, connections closed for bad input); default: none. */
  readonly log?: (line: string) => void;
}

/** Test switches: in process only, never reachable over the network. */
export interface RtdbControls {
  /** Closes every client connection (running their onDisconnect writes); clients reconnect. */
  dropAllConnections(): void;
  /** Refuses new websocket connections for `ms` milliseconds (clients keep retrying). */
  refuseConnectionsFor(ms: number): void;
  /** Plain JSON at `path` in `namespace` (null when absent). */
  getTree(namespace: string, path?: string): unknown;
  /** Replaces a namespace's rules, as `PUT /.settings/rules.json` does. */
  setRules(namespace: string, rules: string): void;
  /** How many client connections are open. */
  connectionCount(): number;
  /**
   * Calls `observer` with every applied write, before its pushes and its acknowledgement leave:
   * a test can act (kill the writer) at an exact point of a client's work. Returns the remover.
   */
  observeWrites(observer: WriteObserver): () => void;
}

export type { AppliedChange, WriteObserver };

export interface RtdbEmulator {
  /** `127.0.0.1:<port>`: what FIREBASE_DATABASE_EMULATOR_HOST takes. */
  readonly host: string;
  readonly port: number;
  readonly controls: RtdbControls;
  stop(): Promise<void>;
}

const clock = () => Date.now();

export async function startRtdbEmulator(options: RtdbEmulatorOptions = {}): Promise<RtdbEmulator> {
  const bindHost = options.host ?? '127.0.0.1';
  // Parsed once, shared by every namespace that starts with them.
  const initialRules = options.rules === undefined ? undefined : compileRules(options.rules);
  const namespaces = new Map<string, Namespace>();
  const connections = new Set<Connection>();
  const sessions = new Map<string, Connection>();
  let refuseUntil = 0;
  const writeObservers = new Set<WriteObserver>();
  const observeWrite: WriteObserver = (name, changes) => {
    for (const observer of writeObservers) observer(name, changes);
  };

  const namespaceFor = (name: string): Namespace => {
    let namespace = namespaces.get(name);
    if (namespace === undefined) {
      namespace = new Namespace(name, clock, initialRules, observeWrite);
      namespaces.set(name, namespace);
    }
    return namespace;
  };

  if (options.importFile !== undefined) {
    for (const [name, data] of await readImport(options.importFile)) {
      namespaceFor(name).replaceAll(data);
    }
  }

  const server: Server = createServer((request, response) => {
    void handleRestRequest({ namespaceFor }, request, response);
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_CHARS * 4 });

  const acceptUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/.ws' || Date.now() < refuseUntil) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
      return;
    }
    // The SDK concatenates query values without encoding (an appId holds ':'), so read leniently.
    const params = new URLSearchParams(url.search);
    const host = request.headers.host ?? `${bindHost}:${request.socket.localPort}`;
    const name = params.get('ns') || host.split('.')[0]?.split(':')[0] || '';
    const lastSession = params.get('ls');
    sockets.handleUpgrade(request, socket, head, (websocket) => {
      // A reconnecting client names its previous session; end it now so its onDisconnect runs.
      if (lastSession !== null) sessions.get(lastSession)?.close();
      const sessionId = randomBytes(12).toString('hex');
      const connection = new Connection({
        socket: websocket,
        namespace: namespaceFor(name),
        sessionId,
        host,
        clock,
        log: options.log ?? (() => {}),
        onClosed: (closed) => {
          connections.delete(closed);
          sessions.delete(closed.sessionId);
        },
      });
      connections.add(connection);
      sessions.set(sessionId, connection);
    });
  };
  server.on('upgrade', acceptUpgrade);

  const port = await listen(server, bindHost, options.port);

  const controls: RtdbControls = {
    dropAllConnections: () => {
      for (const connection of [...connections]) connection.close();
    },
    refuseConnectionsFor: (ms) => {
      refuseUntil = Date.now() + ms;
    },
    getTree: (namespace, path = '/') => namespaceFor(namespace).valueAt(parsePath(path)),
    setRules: (namespace, rules) => namespaceFor(namespace).setRules(rules),
    connectionCount: () => connections.size,
    observeWrites: (observer) => {
      writeObservers.add(observer);
      return () => writeObservers.delete(observer);
    },
  };

  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      for (const connection of [...connections]) connection.close();
      sockets.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (options.exportOnExit !== undefined) {
        const data = new Map<string, unknown>();
        for (const [name, namespace] of namespaces) data.set(name, namespace.exportAll());
        await writeExport(options.exportOnExit, data);
      }
    })();
    return stopped;
  };

  return { host: `${bindHost}:${port}`, port, controls, stop };
}
