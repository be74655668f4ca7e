import type { DataNode, Priority } from './data-node.js';

export const MIN_NAME = '[MIN_NAME]';
export const MAX_NAME = '[MAX_NAME]';

const INTEGER_KEY = /^-?(0*)\d{1,10}$/;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function keyAsInt(key: string): number | null {
  if (!INTEGER_KEY.test(key)) return null;
  const value = Number(key);
  return value >= INT32_MIN && value <= INT32_MAX ? value : null;
}

/** The SDK's nameCompare: int32-like keys first, numerically, then the rest as strings. */
export function nameCompare(a: string, b: string): number {
  if (a === b) return 0;
  if (a === MIN_NAME || b === MAX_NAME) return -1;
  if (b === MIN_NAME || a === MAX_NAME) return 1;
  const aInt = keyAsInt(a);
  const bInt = keyAsInt(b);
  if (aInt !== null && bInt !== null) return aInt - bInt === 0 ? a.length - b.length : aInt - bInt;
  if (aInt !== null) return -1;
  if (bInt !== null) return 1;
  return a < b ? -1 : 1;
}

const typeRank = (value: string | number | boolean): number =>
  typeof value === 'boolean' ? 1 : typeof value === 'number' ? 2 : 3;

/** Orders values as the SDK's Node.compareTo: null < false < true < numbers < strings < objects. */
export function compareNodes(a: DataNode | undefined, b: DataNode | undefined): number {
  if (a === undefined) return b === undefined ? 0 : -1;
  if (b === undefined) return 1;
  if (a.kind === 'branch') return b.kind === 'branch' ? 0 : 1;
  if (b.kind === 'branch') return -1;
  const rankDiff = typeRank(a.value) - typeRank(b.value);
  if (rankDiff !== 0) return rankDiff;
  return a.value < b.value ? -1 : a.value === b.value ? 0 : 1;
}

/** Priorities: none < numbers < strings. */
export function comparePriorities(a: Priority, b: Priority): number {
  if (a === null) return b === null ? 0 : -1;
  if (b === null) return 1;
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a === b ? 0 : 1;
}

/** The priority index's order of children, which the transaction hash also follows. */
export function priorityOrder(children: Map<string, DataNode>): [string, DataNode][] {
  return [...children].sort(
    ([ka, a], [kb, b]) => comparePriorities(a.priority, b.priority) || nameCompare(ka, kb),
  );
}
