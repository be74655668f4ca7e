import { z } from 'zod';
import { childAt, type DataNode, nodeFromWire, type Priority } from './data-node.js';
import { compareNodes, comparePriorities, MAX_NAME, MIN_NAME, nameCompare } from './ordering.js';
import { RequestError } from './request-error.js';

const boundValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** The SDK's query object (queryParamsGetQueryObject), as a listen or get carries it. */
export const wireQuerySchema = z.object({
  i: z.string().optional(),
  sp: boundValue.optional(),
  sn: z.string().optional(),
  sin: z.boolean().optional(),
  ep: boundValue.optional(),
  en: z.string().optional(),
  ein: z.boolean().optional(),
  l: z.number().int().positive().optional(),
  vf: z.enum(['l', 'r']).optional(),
});
export type WireQuery = z.infer<typeof wireQuerySchema>;

export function parseWireQuery(raw: unknown): WireQuery {
  const parsed = wireQuerySchema.safeParse(raw ?? {});
  if (!parsed.success) throw new RequestError('invalid_query', 'Invalid query object');
  return parsed.data;
}

/** True when the query restricts what it returns (only those listens carry a tag). */
export const isFiltered = (query: WireQuery): boolean =>
  query.sp !== undefined || query.ep !== undefined || query.l !== undefined;

type Entry = readonly [string, DataNode];

/** How one index orders children, and how a bound (value, name) compares against a child. */
interface Index {
  compare(a: Entry, b: Entry): number;
  compareBound(value: unknown, name: string, entry: Entry): number;
}

const boundNode = (value: unknown): DataNode | undefined =>
  nodeFromWire(value, undefined, { now: 0 });

function indexFor(index: string | undefined): Index {
  if (index === '.key') {
    return {
      compare: ([a], [b]) => nameCompare(a, b),
      compareBound: (value, _name, [key]) => nameCompare(String(value), key),
    };
  }
  if (index === undefined || index === '.priority') {
    return {
      compare: ([ka, a], [kb, b]) =>
        comparePriorities(a.priority, b.priority) || nameCompare(ka, kb),
      compareBound: (value, name, [key, node]) =>
        comparePriorities(value as Priority, node.priority) || nameCompare(name, key),
    };
  }
  const childPath = index === '.value' ? [] : index.split('/').filter((key) => key !== '');
  const extract = (node: DataNode) => childAt(node, childPath);
  return {
    compare: ([ka, a], [kb, b]) => compareNodes(extract(a), extract(b)) || nameCompare(ka, kb),
    compareBound: (value, name, [key, node]) =>
      compareNodes(boundNode(value), extract(node)) || nameCompare(name, key),
  };
}

/** True when one child lies within the query's start and end bounds (limits aside). */
export function withinBounds(query: WireQuery, entry: Entry): boolean {
  const index = indexFor(query.i);
  if (query.sp !== undefined) {
    const c = index.compareBound(query.sp, query.sn ?? MIN_NAME, entry);
    if ((query.sin ?? true) ? c > 0 : c >= 0) return false;
  }
  if (query.ep !== undefined) {
    const c = index.compareBound(query.ep, query.en ?? MAX_NAME, entry);
    if ((query.ein ?? true) ? c < 0 : c <= 0) return false;
  }
  return true;
}

/**
 * The children of `node` a query selects, in index order, mirroring the SDK's RangedFilter and
 * LimitedFilter. A leaf or null location selects nothing.
 */
export function selectChildren(node: DataNode | undefined, query: WireQuery): Entry[] {
  if (node?.kind !== 'branch') return [];
  const selected = [...node.children].filter((entry) => withinBounds(query, entry));
  if (query.l === undefined) return selected;
  selected.sort(indexFor(query.i).compare);
  return query.vf === 'r' ? selected.slice(-query.l) : selected.slice(0, query.l);
}

/** The query's result as a node: the selected children, without the parent's priority. */
export function queryResult(node: DataNode | undefined, query: WireQuery): DataNode | undefined {
  const entries = selectChildren(node, query);
  if (entries.length === 0) return undefined;
  return { kind: 'branch', children: new Map(entries), priority: null };
}

/** The query as targaryen's `query` rule variable expects it. */
export function queryForRules(query: WireQuery | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (query === undefined) return out;
  if (query.i === '.key') out.orderByKey = true;
  else if (query.i === '.value') out.orderByValue = true;
  else if (query.i === undefined || query.i === '.priority') {
    if (isFiltered(query)) out.orderByPriority = true;
  } else out.orderByChild = query.i;
  if (query.sp !== undefined) out.startAt = query.sp;
  if (query.ep !== undefined) out.endAt = query.ep;
  if (
    query.sp !== undefined &&
    query.ep !== undefined &&
    query.sp === query.ep &&
    query.sn === query.en &&
    (query.sin ?? true) &&
    (query.ein ?? true)
  ) {
    out.equalTo = query.sp;
  }
  if (query.l !== undefined) {
    if (query.vf === 'r') out.limitToLast = query.l;
    else out.limitToFirst = query.l;
  }
  return out;
}
