import fc from 'fast-check';
import {
  type DataSnapshot,
  endAt,
  endBefore,
  equalTo,
  get,
  limitToFirst,
  limitToLast,
  onValue,
  orderByChild,
  orderByKey,
  orderByPriority,
  orderByValue,
  type QueryConstraint,
  query,
  ref,
  set,
  startAfter,
  startAt,
} from 'firebase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RtdbEmulator, startRtdbEmulator } from '../../../emulators/rtdb/index.js';
import { WebClients } from './database-clients.js';

let emulator: RtdbEmulator;

beforeAll(async () => {
  emulator = await startRtdbEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

// Keys that exercise nameCompare: int32-like, zero-padded, negative, too large, plain strings.
const KEYS = ['1', '01', '2', '10', '-3', '2147483648', 'a', 'B', 'b', 'ab', 'z9'];
const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom('a', 'b', 'B', '1', ''),
);
const child = fc.record({
  v: fc.oneof(scalar, fc.constant({ nested: 1 })),
  priority: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 2 }), fc.constantFrom('p', 'q')),
});
const data = fc.dictionary(fc.constantFrom(...KEYS), child, { minKeys: 1, maxKeys: 8 });

type Order = 'child' | 'key' | 'value' | 'priority';
const order = fc.constantFrom<Order>('child', 'key', 'value', 'priority');
const bound = (by: Order) =>
  by === 'key'
    ? fc.constantFrom(...KEYS)
    : by === 'priority'
      ? fc.oneof(fc.integer({ min: 0, max: 2 }), fc.constantFrom('p', 'q'))
      : fc.oneof(fc.boolean(), fc.integer({ min: -3, max: 3 }), fc.constantFrom('a', 'b', ''));
const keyName = fc.option(fc.constantFrom(...KEYS), { nil: undefined });

const constraints = order.chain((by) =>
  fc
    .record({
      range: fc.constantFrom(
        'none',
        'startAt',
        'endAt',
        'both',
        'equalTo',
        'startAfter',
        'endBefore',
      ),
      from: bound(by),
      to: bound(by),
      name: by === 'key' ? fc.constant(undefined) : keyName,
      limit: fc.option(fc.record({ n: fc.integer({ min: 1, max: 4 }), last: fc.boolean() }), {
        nil: undefined,
      }),
    })
    .map(({ range, from, to, name, limit }) => {
      const list: QueryConstraint[] = [
        by === 'child'
          ? orderByChild('v')
          : by === 'key'
            ? orderByKey()
            : by === 'value'
              ? orderByValue()
              : orderByPriority(),
      ];
      if (range === 'startAt' || range === 'both') list.push(startAt(from, name));
      if (range === 'endAt' || range === 'both') list.push(endAt(to, name));
      if (range === 'equalTo') list.push(equalTo(from, name));
      if (range === 'startAfter') list.push(startAfter(from, name));
      if (range === 'endBefore') list.push(endBefore(to, name));
      if (limit !== undefined) list.push(limit.last ? limitToLast(limit.n) : limitToFirst(limit.n));
      return { by, list };
    }),
);

const keysInOrder = (snapshot: DataSnapshot): string[] => {
  const keys: string[] = [];
  snapshot.forEach((entry) => {
    keys.push(entry.key as string);
  });
  return keys;
};

describe('query semantics', () => {
  it('selects and orders children exactly as the SDK does on its own cache', async () => {
    const clients = new WebClients(emulator);
    try {
      const writer = clients.database();
      const cached = clients.database();
      const uncached = clients.database();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(data, constraints, async (children, { by, list }) => {
          const path = `runs/${run++}`;
          const stored = Object.fromEntries(
            Object.entries(children).map(([key, { v, priority }]) => {
              const value =
                by === 'value' ? (typeof v === 'object' ? v : (v ?? 0)) : { v: v ?? 'x' };
              return [key, priority === null ? value : { '.value': value, '.priority': priority }];
            }),
          );
          await set(ref(writer, path), stored);
          // With the whole location listened to, the SDK answers get() from its cache, applying
          // the query itself; without, the server must apply it.
          const stop = onValue(ref(cached, path), () => {});
          await get(ref(cached, path));
          const local = await get(query(ref(cached, path), ...list));
          stop();
          const remote = await get(query(ref(uncached, path), ...list));
          expect(keysInOrder(remote)).toEqual(keysInOrder(local));
          expect(remote.val()).toEqual(local.val());
        }),
        { numRuns: 60 },
      );
    } finally {
      await clients.close();
    }
  });
});
