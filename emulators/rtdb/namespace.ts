import { isPlainObject } from '../harness/plain-object.js';
import {
  childAt,
  type DataNode,
  nodeFromWire,
  priorityFromWire,
  setAt,
  toExport,
  toPlain,
  withPriority,
} from './data-node.js';
import { nodeHash } from './hash.js';
import type { Identity } from './identity.js';
import { type Listen, ListenRegistry, Push } from './listen-registry.js';
import { isPrefix, overlaps, type Path, parsePath, parseWritePath } from './path.js';
import { isFiltered, queryForRules, queryResult, type WireQuery, withinBounds } from './query.js';
import { RequestError } from './request-error.js';
import {
  type CompiledRules,
  canRead,
  canWrite,
  compileRules,
  DEFAULT_RULES_SOURCE,
} from './rules.js';
import { type Change, StoredTree, TreeAfterChanges } from './tree-view.js';

export type WriteStatus = 'ok' | 'datastale' | 'permission_denied';

/** One location a write changed, as plain JSON (null when deleted). */
export interface AppliedChange {
  readonly path: string;
  readonly value: unknown;
}

/** Told of every applied write, before anyone (the writer included) hears of it. */
export type WriteObserver = (namespace: string, changes: readonly AppliedChange[]) => void;

const DEFAULT_RULES = compileRules(DEFAULT_RULES_SOURCE);

/**
 * One database (the `ns` of a URL): its tree, its rules and its listens. Every operation runs
 * synchronously to completion, so a write's pushes leave before its acknowledgement and each
 * connection's requests are handled strictly in order.
 */
export class Namespace {
  private root: DataNode | undefined;
  private rules: CompiledRules;
  private readonly listens = new ListenRegistry();
  private readonly listenOwners = new Map<Listen, () => Identity>();
  /** For each unlimited filtered query, the keys its client currently holds. */
  private readonly queryKeys = new Map<Listen, Set<string>>();

  constructor(
    readonly name: string,
    private readonly clock: () => number,
    rules: CompiledRules = DEFAULT_RULES,
    private readonly observeWrite: WriteObserver = () => {},
  ) {
    this.rules = rules;
  }

  get rulesSource(): string {
    return this.rules.source;
  }

  get rulesJson(): unknown {
    return this.rules.json;
  }

  nodeAt(path: Path): DataNode | undefined {
    return childAt(this.root, path);
  }

  /** Plain JSON at `path` (null when absent): what tests inspect. */
  valueAt(path: Path): unknown {
    return toPlain(this.nodeAt(path));
  }

  exportAll(): unknown {
    return toExport(this.root);
  }

  /** Parses and installs new rules (throws RulesError), then drops listens they no longer allow. */
  setRules(source: string): void {
    this.rules = compileRules(source);
    this.revokeUnreadableListens();
  }

  private allowsRead(identity: Identity, path: Path, query: WireQuery | undefined): boolean {
    if (identity.kind === 'admin') return true;
    const context = { auth: identity.auth, now: this.clock() };
    const forRules = query !== undefined && isFiltered(query) ? queryForRules(query) : {};
    return canRead(this.rules, new StoredTree(this.root), path, context, forRules);
  }

  private allowsWrite(identity: Identity, changes: readonly Change[], now: number): boolean {
    if (identity.kind === 'admin') return true;
    const before = new StoredTree(this.root);
    const after = new TreeAfterChanges(before, changes);
    const context = { auth: identity.auth, now };
    return changes.every((change) => canWrite(this.rules, before, after, change.path, context));
  }

  private valueFor(path: Path, query: WireQuery | undefined): unknown {
    const node = this.nodeAt(path);
    return toExport(query !== undefined && isFiltered(query) ? queryResult(node, query) : node);
  }

  /** A one-shot read (`g`, REST GET): the data in export format, or undefined when denied. */
  read(identity: Identity, path: Path, query?: WireQuery): { value: unknown } | undefined {
    if (!this.allowsRead(identity, path, query)) return undefined;
    return { value: this.valueFor(path, query) };
  }

  /** Starts a listen: pushes the current data first, as the client expects it before `ok`. */
  listen(listen: Listen, identity: () => Identity): boolean {
    if (!this.allowsRead(identity(), listen.path, listen.query)) return false;
    this.pushCurrent(listen);
    this.listens.add(listen);
    this.listenOwners.set(listen, identity);
    return true;
  }

  isListening(listen: Listen): boolean {
    return this.listenOwners.has(listen);
  }

  unlisten(listen: Listen): void {
    this.listens.remove(listen);
    this.listenOwners.delete(listen);
    this.queryKeys.delete(listen);
  }

  /** Revokes (`c`) every listen whose owner may no longer read it, e.g. after rules or auth change. */
  revokeUnreadableListens(only?: (identity: () => Identity) => boolean): void {
    for (const [listen, identity] of this.listenOwners) {
      if (only !== undefined && !only(identity)) continue;
      if (this.allowsRead(identity(), listen.path, listen.query)) continue;
      this.unlisten(listen);
      const body: Record<string, unknown> = { p: `/${listen.path.join('/')}` };
      if (listen.tag !== undefined) body.q = [listen.rawQuery];
      listen.subscriber.push(new Push('c', body));
    }
  }

  private pushCurrent(listen: Listen): void {
    const value = this.valueFor(listen.path, listen.query);
    const body: Record<string, unknown> = { p: `/${listen.path.join('/')}`, d: value };
    if (listen.tag !== undefined) {
      body.t = listen.tag;
      if (listen.query?.l === undefined) {
        const keys = typeof value === 'object' && value !== null ? Object.keys(value) : [];
        this.queryKeys.set(listen, new Set(keys));
      }
    }
    listen.subscriber.push(new Push('d', body));
  }

  /**
   * A filtered query without a limit changes only in the children written below it, so those
   * alone go out (a tagged merge) instead of the whole result being recomputed and resent.
   */
  private pushQueryChanges(listen: Listen, changes: readonly Change[]): void {
    const keys = this.queryKeys.get(listen);
    const query = listen.query;
    const depth = listen.path.length;
    if (
      keys === undefined ||
      query === undefined ||
      changes.some((c) => isPrefix(c.path, listen.path))
    ) {
      this.pushCurrent(listen);
      return;
    }
    const below = changes.filter((change) => isPrefix(listen.path, change.path));
    const parent = this.nodeAt(listen.path);
    const merge: Record<string, unknown> = {};
    for (const key of new Set(below.map((change) => change.path[depth] as string))) {
      const child = parent?.kind === 'branch' ? parent.children.get(key) : undefined;
      if (child !== undefined && withinBounds(query, [key, child])) {
        merge[key] = toExport(child);
        keys.add(key);
      } else if (keys.delete(key)) {
        merge[key] = null;
      }
    }
    if (Object.keys(merge).length === 0) return;
    listen.subscriber.push(
      new Push('m', { p: `/${listen.path.join('/')}`, d: merge, t: listen.tag }),
    );
  }

  private changeAt(
    path: Path,
    priorityOnly: boolean,
    value: unknown,
    now: number,
  ): Change | undefined {
    const existing = this.nodeAt(path);
    if (!priorityOnly) return { path, node: nodeFromWire(value, existing, { now }) };
    // A priority on an absent node has no effect.
    if (existing === undefined) return undefined;
    return { path, node: withPriority(existing, priorityFromWire(value, { now })) };
  }

  /** `p` (set). With `hash`, a transaction: refused as `datastale` unless it matches the stored data. */
  set(identity: Identity, rawPath: unknown, value: unknown, hash?: string): WriteStatus {
    const { path, priorityOnly } = parseWritePath(rawPath);
    const now = this.clock();
    if (hash !== undefined && nodeHash(this.nodeAt(path)) !== hash) return 'datastale';
    const change = this.changeAt(path, priorityOnly, value, now);
    if (change === undefined) return 'ok';
    if (!this.allowsWrite(identity, [change], now)) return 'permission_denied';
    this.root = setAt(this.root, change.path, change.node);
    this.applied([change]);
    this.notify(change.path, [change], 'set');
    return 'ok';
  }

  /** `m` (update): every key applied atomically, each checked against the same merged tree. */
  update(identity: Identity, rawPath: unknown, values: unknown): WriteStatus {
    const changes = this.updateChanges(rawPath, values, this.clock());
    if (changes === undefined) return 'ok';
    if (!this.allowsWrite(identity, changes.changes, changes.now)) return 'permission_denied';
    for (const change of changes.changes) this.root = setAt(this.root, change.path, change.node);
    this.applied(changes.changes);
    this.notify(changes.base, changes.changes, 'update');
    return 'ok';
  }

  private applied(changes: readonly Change[]): void {
    this.observeWrite(
      this.name,
      changes.map((change) => ({ path: change.path.join('/'), value: toPlain(change.node) })),
    );
  }

  /** Checks a write without applying it: onDisconnect operations are checked when registered. */
  mayWrite(identity: Identity, rawPath: unknown, value: unknown, merge: boolean): boolean {
    const now = this.clock();
    if (merge) {
      const changes = this.updateChanges(rawPath, value, now);
      return changes === undefined || this.allowsWrite(identity, changes.changes, now);
    }
    const { path, priorityOnly } = parseWritePath(rawPath);
    const change = this.changeAt(path, priorityOnly, value, now);
    return change === undefined || this.allowsWrite(identity, [change], now);
  }

  private updateChanges(
    rawPath: unknown,
    values: unknown,
    now: number,
  ): { base: Path; changes: Change[]; now: number } | undefined {
    const base = parsePath(rawPath);
    if (!isPlainObject(values)) throw new RequestError('invalid_value', 'Update must be an object');
    const changes: Change[] = [];
    for (const [relative, value] of Object.entries(values)) {
      const { path, priorityOnly } = parseWritePath(relative);
      const change = this.changeAt([...base, ...path], priorityOnly, value, now);
      if (change === undefined) continue;
      if (changes.some((other) => overlaps(other.path, change.path))) {
        throw new RequestError('invalid_value', 'Update paths overlap');
      }
      changes.push(change);
    }
    return changes.length === 0 ? undefined : { base, changes, now };
  }

  /** Deletes everything (a test reset), notifying listeners as a write of null at the root. */
  clear(): void {
    const change: Change = { path: [], node: undefined };
    this.root = undefined;
    this.notify([], [change], 'set');
  }

  /** Replaces the whole tree with imported export-format data, notifying listeners. */
  replaceAll(value: unknown): void {
    const change: Change = {
      path: [],
      node: nodeFromWire(value, undefined, { now: this.clock() }),
    };
    this.root = change.node;
    this.notify([], [change], 'set');
  }

  /**
   * One push per affected listen per write, so a multi-location update is one event for every
   * client: tagged queries get their whole new result, others the changed data.
   */
  private notify(base: Path, changes: readonly Change[], kind: 'set' | 'update'): void {
    const affected = new Set<Listen>();
    for (const change of changes) this.listens.collectOverlapping(change.path, affected);
    let shared: Push | undefined;
    const sharedPush = (): Push => {
      if (shared !== undefined) return shared;
      const p = `/${base.join('/')}`;
      if (kind === 'set') shared = new Push('d', { p, d: toExport(changes[0]?.node) });
      else {
        const merge: Record<string, unknown> = {};
        for (const change of changes) {
          merge[change.path.slice(base.length).join('/')] = toExport(change.node);
        }
        shared = new Push('m', { p, d: merge });
      }
      return shared;
    };
    for (const listen of affected) {
      if (listen.tag !== undefined) this.pushQueryChanges(listen, changes);
      else if (isPrefix(listen.path, base)) listen.subscriber.push(sharedPush());
      else this.pushCurrent(listen);
    }
  }
}
