import type { Path } from './path.js';
import type { WireQuery } from './query.js';

/**
 * A server→client data message (`d` overwrite, `m` merge, `c` revoke). Encoded once, however
 * many listeners receive it: one write may fan out to every connection.
 */
export class Push {
  private encoded: string | undefined;

  constructor(
    readonly action: 'd' | 'm' | 'c',
    readonly body: Record<string, unknown>,
  ) {}

  get text(): string {
    this.encoded ??= JSON.stringify({ t: 'd', d: { a: this.action, b: this.body } });
    return this.encoded;
  }
}

/** What a listen delivers to: one client connection. */
export interface Subscriber {
  push(message: Push): void;
}

/** One active listen: a default one (no tag) or a filtered query with the client's tag. */
export interface Listen {
  readonly subscriber: Subscriber;
  readonly path: Path;
  readonly tag: number | undefined;
  readonly query: WireQuery | undefined;
  /** The query object exactly as the client sent it, for the revoke message. */
  readonly rawQuery: unknown;
}

/** Listens indexed by path, so a write finds the ones it affects without scanning them all. */
export class ListenRegistry {
  private readonly listens = new Set<Listen>();
  private readonly children = new Map<string, ListenRegistry>();

  add(listen: Listen, from = 0): void {
    if (from === listen.path.length) {
      this.listens.add(listen);
      return;
    }
    const key = listen.path[from] as string;
    let child = this.children.get(key);
    if (child === undefined) {
      child = new ListenRegistry();
      this.children.set(key, child);
    }
    child.add(listen, from + 1);
  }

  remove(listen: Listen, from = 0): void {
    if (from === listen.path.length) {
      this.listens.delete(listen);
      return;
    }
    const key = listen.path[from] as string;
    const child = this.children.get(key);
    if (child === undefined) return;
    child.remove(listen, from + 1);
    if (child.isEmpty()) this.children.delete(key);
  }

  private isEmpty(): boolean {
    return this.listens.size === 0 && this.children.size === 0;
  }

  /** Adds every listen at, above or below `path` to `into`. */
  collectOverlapping(path: Path, into: Set<Listen>): void {
    let node: ListenRegistry | undefined = this;
    for (let i = 0; node !== undefined && i < path.length; i++) {
      for (const listen of node.listens) into.add(listen);
      node = node.children.get(path[i] as string);
    }
    node?.collectAll(into);
  }

  collectAll(into: Set<Listen>): void {
    for (const listen of this.listens) into.add(listen);
    for (const child of this.children.values()) child.collectAll(into);
  }
}
