import type { WebSocket } from 'ws';
import { isPlainObject, type PlainObject } from '../harness/plain-object.js';
import { FrameAssembler, framesFor } from './framing.js';
import { ADMIN, authFromIdToken, type Identity, OWNER_TOKEN, UNAUTHENTICATED } from './identity.js';
import type { Listen, Push, Subscriber } from './listen-registry.js';
import type { Namespace, WriteStatus } from './namespace.js';
import { OnDisconnectQueue } from './on-disconnect-queue.js';
import { parsePath, parseWritePath } from './path.js';
import { parseWireQuery } from './query.js';
import { RequestError } from './request-error.js';

/** The largest message a client may send (the SDK's documented 16 MB write limit). */
export const MAX_MESSAGE_CHARS = 16 * 1024 * 1024;

const STATUS_TEXT: Record<Exclude<WriteStatus, 'ok'>, string> = {
  datastale: 'Transaction hash does not match',
  permission_denied: 'Permission denied',
};

export interface ConnectionOptions {
  readonly socket: WebSocket;
  readonly namespace: Namespace;
  readonly sessionId: string;
  /** The Host header the client dialled; echoed as `h` so reconnects go to the same place. */
  readonly host: string;
  readonly clock: () => number;
  readonly onClosed: (connection: Connection) => void;
  /** Where protocol oddities are reported (unknown actions, closed-for-cause connections). */
  readonly log: (line: string) => void;
}

/** One client websocket speaking wire protocol v5 (handshake, framing, requests, pushes). */
export class Connection implements Subscriber {
  private identity: Identity = UNAUTHENTICATED;
  private readonly listens = new Map<string, Listen>();
  private readonly onDisconnect = new OnDisconnectQueue();
  private readonly frames = new FrameAssembler(MAX_MESSAGE_CHARS);
  private closed = false;

  constructor(private readonly options: ConnectionOptions) {
    const { socket } = options;
    socket.on('message', (data, isBinary) => this.receive(isBinary ? '' : data.toString()));
    socket.on('close', () => this.close());
    socket.on('error', () => this.close());
    this.send({
      t: 'c',
      d: {
        t: 'h',
        d: { ts: options.clock(), v: '5', h: options.host, s: options.sessionId },
      },
    });
  }

  get sessionId(): string {
    return this.options.sessionId;
  }

  private send(message: unknown): void {
    this.sendText(JSON.stringify(message));
  }

  private sendText(text: string): void {
    const { socket } = this.options;
    if (this.closed || socket.readyState !== socket.OPEN) return;
    for (const frame of framesFor(text)) socket.send(frame);
  }

  push(message: Push): void {
    this.sendText(message.text);
  }

  private reply(request: number, status: string, data: unknown = ''): void {
    this.send({ t: 'd', d: { r: request, b: { s: status, d: data } } });
  }

  /** Closes this one connection for a protocol violation; other connections are unaffected. */
  private reject(reason: string): void {
    this.options.log(`rtdb: closing connection ${this.sessionId}: ${reason}`);
    this.send({ t: 'c', d: { t: 'e', d: reason } });
    this.options.socket.close(1002, reason.slice(0, 120));
    this.close();
  }

  private receive(frame: string): void {
    if (this.closed) return;
    let message: string | undefined;
    try {
      message = this.frames.accept(frame);
    } catch (error) {
      this.reject((error as Error).message);
      return;
    }
    if (message === undefined) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      this.reject('Invalid JSON');
      return;
    }
    if (!isPlainObject(parsed) || !isPlainObject(parsed.d)) {
      this.reject('Invalid message');
      return;
    }
    if (parsed.t === 'c') {
      if (parsed.d.t === 'p') this.send({ t: 'c', d: { t: 'o', d: {} } });
      return;
    }
    const { r, a, b } = parsed.d;
    if (parsed.t !== 'd' || typeof r !== 'number' || typeof a !== 'string') {
      this.reject('Invalid message');
      return;
    }
    try {
      this.handle(r, a, isPlainObject(b) ? b : {});
    } catch (error) {
      if (error instanceof RequestError) this.reply(r, error.code, error.message);
      else this.reply(r, 'internal_error', (error as Error).message);
    }
  }

  private handle(request: number, action: string, body: PlainObject): void {
    const { namespace } = this.options;
    switch (action) {
      case 'auth':
        this.authenticate(request, body);
        return;
      case 'gauth':
        this.authenticateAsAdmin(request, body);
        return;
      case 'unauth':
        this.identity = UNAUTHENTICATED;
        this.afterIdentityChange();
        this.reply(request, 'ok');
        return;
      case 'q':
      case 'l':
        this.listen(request, body);
        return;
      case 'n':
        this.unlisten(request, body);
        return;
      case 'g': {
        const result = namespace.read(this.identity, parsePath(body.p), parseWireQuery(body.q));
        if (result === undefined) this.reply(request, 'permission_denied', 'Permission denied');
        else this.reply(request, 'ok', result.value);
        return;
      }
      case 'p': {
        const hash = typeof body.h === 'string' ? body.h : undefined;
        this.replyWrite(request, namespace.set(this.identity, body.p, body.d, hash));
        return;
      }
      case 'm':
        this.replyWrite(request, namespace.update(this.identity, body.p, body.d));
        return;
      case 'o':
      case 'om':
        this.registerOnDisconnect(request, body, action === 'om');
        return;
      case 'oc':
        this.onDisconnect.cancel(parsePath(body.p));
        this.reply(request, 'ok');
        return;
      case 's':
      case 'appcheck':
      case 'unappeck':
        this.reply(request, 'ok');
        return;
      default:
        // Acknowledged, as newer SDKs may add actions; logged so a gap is visible.
        this.options.log(`rtdb: unknown action ${JSON.stringify(action)}`);
        this.reply(request, 'ok');
        return;
    }
  }

  private replyWrite(request: number, status: WriteStatus): void {
    if (status === 'ok') this.reply(request, 'ok');
    else this.reply(request, status, STATUS_TEXT[status]);
  }

  private authenticate(request: number, body: PlainObject): void {
    const auth = typeof body.cred === 'string' ? authFromIdToken(body.cred) : undefined;
    if (auth === undefined) {
      this.reply(request, 'invalid_token', 'Invalid token');
      return;
    }
    this.identity = { kind: 'user', auth };
    this.afterIdentityChange();
    this.reply(request, 'ok', { auth, expires: (auth.token as PlainObject).exp ?? null });
  }

  private authenticateAsAdmin(request: number, body: PlainObject): void {
    if (body.cred !== OWNER_TOKEN) {
      this.authenticate(request, body);
      return;
    }
    if (body.noauth === true) this.identity = UNAUTHENTICATED;
    else if (isPlainObject(body.authvar)) this.identity = { kind: 'user', auth: body.authvar };
    else this.identity = ADMIN;
    this.afterIdentityChange();
    this.reply(request, 'ok');
  }

  private afterIdentityChange(): void {
    if (this.listens.size === 0) return;
    const { namespace } = this.options;
    namespace.revokeUnreadableListens((identity) => identity === this.currentIdentity);
    for (const [key, listen] of this.listens)
      if (!namespace.isListening(listen)) this.listens.delete(key);
  }

  private readonly currentIdentity = (): Identity => this.identity;

  private listen(request: number, body: PlainObject): void {
    const path = parsePath(body.p);
    const tag = typeof body.t === 'number' ? body.t : undefined;
    const query = tag === undefined ? undefined : parseWireQuery(body.q);
    const key = `${path.join('/')}|${tag ?? ''}`;
    const previous = this.listens.get(key);
    if (previous !== undefined) this.options.namespace.unlisten(previous);
    const listen: Listen = { subscriber: this, path, tag, query, rawQuery: body.q };
    if (!this.options.namespace.listen(listen, this.currentIdentity)) {
      this.listens.delete(key);
      this.reply(request, 'permission_denied', 'Permission denied');
      return;
    }
    this.listens.set(key, listen);
    this.reply(request, 'ok');
  }

  private unlisten(request: number, body: PlainObject): void {
    const path = parsePath(body.p);
    const key = `${path.join('/')}|${typeof body.t === 'number' ? body.t : ''}`;
    const listen = this.listens.get(key);
    if (listen !== undefined) {
      this.options.namespace.unlisten(listen);
      this.listens.delete(key);
    }
    this.reply(request, 'ok');
  }

  private registerOnDisconnect(request: number, body: PlainObject, merge: boolean): void {
    const { path, priorityOnly } = parseWritePath(body.p);
    if (!this.options.namespace.mayWrite(this.identity, body.p, body.d, merge)) {
      this.reply(request, 'permission_denied', 'Permission denied');
      return;
    }
    const base = priorityOnly ? [...path, '.priority'] : path;
    if (!merge) this.onDisconnect.set(base, body.d);
    else {
      for (const [relative, value] of Object.entries(body.d as PlainObject)) {
        this.onDisconnect.set([...base, ...relative.split('/').filter((key) => key !== '')], value);
      }
    }
    this.reply(request, 'ok');
  }

  /**
   * Ends the session: drops its listens and runs its onDisconnect writes (checked against the
   * rules again, as the real server does). Safe to call more than once.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const { namespace, socket } = this.options;
    for (const listen of this.listens.values()) namespace.unlisten(listen);
    this.listens.clear();
    for (const write of this.onDisconnect.drain()) {
      try {
        namespace.set(this.identity, `/${write.path.join('/')}`, write.value);
      } catch {
        // A write that became invalid (e.g. a priority on a deleted node) is skipped, not fatal.
      }
    }
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.terminate();
    }
    this.options.onClosed(this);
  }
}
