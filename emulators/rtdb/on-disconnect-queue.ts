import { isPrefix, type Path } from './path.js';

interface PendingWrite {
  readonly path: Path;
  readonly value: unknown;
}

function withoutDescendant(value: unknown, relative: Path): unknown {
  if (relative.length === 0) return null;
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const [key, ...rest] = relative as [string, ...string[]];
  if (!(key in copy)) return value;
  const child = withoutDescendant(copy[key], rest);
  if (child === null) delete copy[key];
  else copy[key] = child;
  return copy;
}

/**
 * A connection's onDisconnect writes, kept as the client's SparseSnapshotTree keeps them: a set
 * replaces whatever is pending at or below it, and a cancel carves its path out of pending sets.
 */
export class OnDisconnectQueue {
  private readonly pending = new Map<string, PendingWrite>();

  private forgetAtOrBelow(path: Path): void {
    for (const [key, write] of this.pending) {
      if (isPrefix(path, write.path)) this.pending.delete(key);
    }
  }

  set(path: Path, value: unknown): void {
    this.forgetAtOrBelow(path);
    this.pending.set(path.join('/'), { path, value });
  }

  cancel(path: Path): void {
    this.forgetAtOrBelow(path);
    for (const [key, write] of this.pending) {
      if (isPrefix(write.path, path)) {
        this.pending.set(key, {
          path: write.path,
          value: withoutDescendant(write.value, path.slice(write.path.length)),
        });
      }
    }
  }

  /** Empties the queue, returning the writes in the order they were registered. */
  drain(): PendingWrite[] {
    const writes = [...this.pending.values()];
    this.pending.clear();
    return writes;
  }
}
