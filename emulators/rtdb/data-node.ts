import { isPlainObject } from '../harness/plain-object.js';
import { isValidKey, type Path } from './path.js';
import { RequestError } from './request-error.js';

export type Primitive = string | number | boolean;
export type Priority = string | number | null;

export interface Leaf {
  readonly kind: 'leaf';
  readonly value: Primitive;
  readonly priority: Priority;
}

/** A node with children. Never empty: an empty branch is stored as no node at all (null). */
export interface Branch {
  readonly kind: 'branch';
  readonly children: Map<string, DataNode>;
  priority: Priority;
}

export type DataNode = Leaf | Branch;

/** JSON as the wire carries it (export format: `.value`, `.priority`, `.sv`). */
export type WireValue = unknown;

export function childAt(node: DataNode | undefined, path: Path, from = 0): DataNode | undefined {
  let current = node;
  for (let i = from; i < path.length && current !== undefined; i++) {
    current = current.kind === 'branch' ? current.children.get(path[i] as string) : undefined;
  }
  return current;
}

/**
 * Replaces the node at `path` below `root` (undefined deletes), mutating branches in place and
 * pruning ancestors left empty. Returns the new root.
 */
export function setAt(
  root: DataNode | undefined,
  path: Path,
  node: DataNode | undefined,
  from = 0,
): DataNode | undefined {
  if (from === path.length) return node;
  let branch: Branch;
  if (root?.kind === 'branch') branch = root;
  else if (node === undefined) return root;
  else branch = { kind: 'branch', children: new Map(), priority: root?.priority ?? null };
  const key = path[from] as string;
  const child = setAt(branch.children.get(key), path, node, from + 1);
  if (child === undefined) branch.children.delete(key);
  else branch.children.set(key, child);
  return branch.children.size === 0 ? undefined : branch;
}

/** As setAt, but copies every branch it changes, leaving `root` untouched. */
export function setAtCopy(
  root: DataNode | undefined,
  path: Path,
  node: DataNode | undefined,
  from = 0,
): DataNode | undefined {
  if (from === path.length) return node;
  if (root?.kind !== 'branch' && node === undefined) return root;
  const children = root?.kind === 'branch' ? new Map(root.children) : new Map<string, DataNode>();
  const key = path[from] as string;
  const child = setAtCopy(children.get(key), path, node, from + 1);
  if (child === undefined) children.delete(key);
  else children.set(key, child);
  return children.size === 0
    ? undefined
    : { kind: 'branch', children, priority: root?.priority ?? null };
}

/** What a server value (`{".sv": ...}`) resolves against: one `now` per write, and the old node. */
export interface Resolution {
  readonly now: number;
}

function resolveServerValue(
  sv: unknown,
  existing: DataNode | undefined,
  at: Resolution,
): Primitive {
  if (sv === 'timestamp') return at.now;
  if (isPlainObject(sv) && typeof sv.increment === 'number') {
    const base =
      existing?.kind === 'leaf' && typeof existing.value === 'number' ? existing.value : 0;
    return base + sv.increment;
  }
  throw new RequestError('invalid_value', `Invalid server value ${JSON.stringify(sv)}`);
}

export function priorityFromWire(raw: unknown, at: Resolution): Priority {
  if (raw === null || raw === undefined) return null;
  if (typeof raw === 'string' || typeof raw === 'number') return raw;
  if (isPlainObject(raw) && '.sv' in raw) {
    const resolved = resolveServerValue(raw['.sv'], undefined, at);
    if (typeof resolved !== 'boolean') return resolved;
  }
  throw new RequestError('invalid_value', 'Priority must be a string, a number or null');
}

function leafFromWire(value: unknown, priority: Priority): Leaf {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new RequestError('invalid_value', 'Numbers must be finite');
  }
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
    return { kind: 'leaf', value, priority };
  }
  throw new RequestError('invalid_value', `Invalid value ${JSON.stringify(value)}`);
}

/**
 * Turns a wire value into a node, resolving server values against `existing` (the node stored at
 * the same location before the write). Arrays become objects keyed "0", "1", ...
 */
export function nodeFromWire(
  value: WireValue,
  existing: DataNode | undefined,
  at: Resolution,
): DataNode | undefined {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    return branchFromEntries(
      value.map((item, index) => [String(index), item] as const),
      null,
      existing,
      at,
    );
  }
  if (!isPlainObject(value)) return leafFromWire(value, null);
  const priority = priorityFromWire(value['.priority'], at);
  if ('.sv' in value)
    return { kind: 'leaf', value: resolveServerValue(value['.sv'], existing, at), priority };
  if ('.value' in value) {
    const inner = nodeFromWire(value['.value'], existing, at);
    if (inner === undefined) return undefined;
    return inner.kind === 'leaf' ? { ...inner, priority } : { ...inner, priority };
  }
  return branchFromEntries(
    Object.entries(value).filter(([key]) => key !== '.priority'),
    priority,
    existing,
    at,
  );
}

function branchFromEntries(
  entries: readonly (readonly [string, unknown])[],
  priority: Priority,
  existing: DataNode | undefined,
  at: Resolution,
): Branch | undefined {
  const children = new Map<string, DataNode>();
  const old = existing?.kind === 'branch' ? existing.children : undefined;
  for (const [key, item] of entries) {
    if (!isValidKey(key)) throw new RequestError('invalid_key', `Invalid key ${key}`);
    const child = nodeFromWire(item, old?.get(key), at);
    if (child !== undefined) children.set(key, child);
  }
  return children.size === 0 ? undefined : { kind: 'branch', children, priority };
}

/** Export format: priorities kept as `.priority`, prioritised leaves as `{.value, .priority}`. */
export function toExport(node: DataNode | undefined): unknown {
  if (node === undefined) return null;
  if (node.kind === 'leaf') {
    return node.priority === null
      ? node.value
      : { '.value': node.value, '.priority': node.priority };
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of node.children) out[key] = toExport(child);
  if (node.priority !== null) out['.priority'] = node.priority;
  return out;
}

/** Plain JSON, priorities dropped: what `val()` returns. */
export function toPlain(node: DataNode | undefined): unknown {
  if (node === undefined) return null;
  if (node.kind === 'leaf') return node.value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of node.children) out[key] = toPlain(child);
  return out;
}

export function withPriority(node: DataNode, priority: Priority): DataNode {
  return { ...node, priority };
}
