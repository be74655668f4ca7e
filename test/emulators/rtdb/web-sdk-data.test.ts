import {
  endAt,
  endBefore,
  equalTo,
  get,
  increment,
  limitToFirst,
  limitToLast,
  onChildAdded,
  onChildChanged,
  onChildRemoved,
  onValue,
  orderByChild,
  orderByKey,
  orderByPriority,
  orderByValue,
  push,
  query,
  ref,
  remove,
  serverTimestamp,
  set,
  setPriority,
  setWithPriority,
  startAfter,
  startAt,
  update,
} from 'firebase/database';
import { describe, expect, it } from 'vitest';
import { recordValues, useWebClients, valueSatisfying } from './database-clients.js';

const { clients } = useWebClients();

const keysOf = (value: unknown): string[] =>
  value === null ? [] : Object.keys(value as Record<string, unknown>);

describe('web SDK (modular) against the RTDB emulator', () => {
  it('delivers value events to a listener on another connection, in write order', async () => {
    const writer = clients().database();
    const reader = clients().database();
    const seen = valueSatisfying(ref(reader, 'room/state'), (value) => value === 'done');
    await set(ref(writer, 'room/state'), 'started');
    await set(ref(writer, 'room/state'), 'done');
    await expect(seen).resolves.toBe('done');
    expect((await get(ref(reader, 'room'))).val()).toEqual({ state: 'done' });
  });

  it('raises child_added, child_changed and child_removed for another client', async () => {
    const writer = clients().database();
    const reader = clients().database();
    const events: string[] = [];
    const list = ref(reader, 'list');
    const unsubscribers = [
      onChildAdded(list, (snap) => events.push(`added ${snap.key}=${snap.val()}`)),
      onChildChanged(list, (snap) => events.push(`changed ${snap.key}=${snap.val()}`)),
      onChildRemoved(list, (snap) => events.push(`removed ${snap.key}`)),
    ];
    await valueSatisfying(list, (value) => value === null);
    await set(ref(writer, 'list/a'), 1);
    await set(ref(writer, 'list/a'), 2);
    await remove(ref(writer, 'list/a'));
    await valueSatisfying(list, (value) => value === null && events.length >= 3);
    for (const unsubscribe of unsubscribers) unsubscribe();
    expect(events).toEqual(['added a=1', 'changed a=2', 'removed a']);
  });

  it('shows a multi-location update to another client as one event', async () => {
    const writer = clients().database();
    const reader = clients().database();
    await set(ref(writer, 'doc'), { a: 1, b: 1, c: { d: 1 } });
    const recorder = recordValues(ref(reader, 'doc'));
    await valueSatisfying(ref(reader, 'doc'), (value) => value !== null);
    await update(ref(writer, 'doc'), { a: 2, 'c/d': 2, b: null });
    await valueSatisfying(ref(reader, 'doc'), (value: { a: number }) => value.a === 2);
    recorder.stop();
    expect(recorder.values).toEqual([
      { a: 1, b: 1, c: { d: 1 } },
      { a: 2, c: { d: 2 } },
    ]);
  });

  it('pushes a write to the writer itself before acknowledging it', async () => {
    const database = clients().database();
    const recorder = recordValues(ref(database, 'counter'));
    await valueSatisfying(ref(database, 'counter'), (value) => value === null);
    await set(ref(database, 'counter'), 1);
    await set(ref(database, 'counter'), 2);
    recorder.stop();
    expect(recorder.values).toEqual([null, 1, 2]);
  });

  it('resolves server timestamps and increments on the server', async () => {
    const database = clients().database();
    const other = clients().database();
    const before = Date.now();
    await set(ref(database, 'stats'), { at: serverTimestamp(), count: increment(2) });
    await update(ref(database, 'stats'), { count: increment(3) });
    await set(ref(other, 'stats/count'), increment(5));
    const stats = (await get(ref(database, 'stats'))).val() as { at: number; count: number };
    expect(stats.count).toBe(10);
    expect(stats.at).toBeGreaterThanOrEqual(before - 1000);
    expect(stats.at).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('stores arrays as objects keyed by index and keeps priorities', async () => {
    const database = clients().database();
    await set(ref(database, 'array'), ['x', 'y', 'z']);
    await setWithPriority(ref(database, 'ranked/b'), 'B', 1);
    await setWithPriority(ref(database, 'ranked/a'), 'A', 2);
    await setPriority(ref(database, 'ranked/b'), 3);
    const other = clients().database();
    expect((await get(ref(other, 'array'))).val()).toEqual(['x', 'y', 'z']);
    const ranked = await get(query(ref(other, 'ranked'), orderByPriority()));
    const order: string[] = [];
    ranked.forEach((child) => {
      order.push(`${child.key}:${child.priority}`);
    });
    expect(order).toEqual(['a:2', 'b:3']);
  });

  it('generates push keys on the client and stores their children', async () => {
    const database = clients().database();
    const first = await push(ref(database, 'messages'), { text: 'one' });
    const second = await push(ref(database, 'messages'), { text: 'two' });
    const messages = (await get(ref(clients().database(), 'messages'))).val();
    expect(keysOf(messages)).toEqual([first.key, second.key]);
  });
});

describe('queries, answered on the server for get() and kept current for listeners', () => {
  const scores = { amy: { score: 30 }, bob: { score: 10 }, cat: { score: 20 }, dan: { score: 20 } };

  it.each([
    ['orderByChild + limitToFirst', () => [orderByChild('score'), limitToFirst(2)], ['bob', 'cat']],
    ['orderByChild + limitToLast', () => [orderByChild('score'), limitToLast(2)], ['dan', 'amy']],
    ['orderByChild + startAt', () => [orderByChild('score'), startAt(20)], ['cat', 'dan', 'amy']],
    ['orderByChild + endAt', () => [orderByChild('score'), endAt(20)], ['bob', 'cat', 'dan']],
    ['orderByChild + equalTo', () => [orderByChild('score'), equalTo(20)], ['cat', 'dan']],
    ['equalTo with a key name', () => [orderByChild('score'), equalTo(20, 'dan')], ['dan']],
    ['startAt with a key name', () => [orderByChild('score'), startAt(20, 'dan')], ['dan', 'amy']],
    ['startAfter', () => [orderByChild('score'), startAfter(20)], ['amy']],
    ['endBefore', () => [orderByChild('score'), endBefore(20)], ['bob']],
    [
      'orderByKey + startAt + endAt',
      () => [orderByKey(), startAt('b'), endAt('cz')],
      ['bob', 'cat'],
    ],
    ['orderByKey + limitToLast', () => [orderByKey(), limitToLast(1)], ['dan']],
  ] as const)('%s', async (_name, constraints, expected) => {
    await set(ref(clients().database(), 'scores'), scores);
    const reader = clients().database();
    const snapshot = await get(query(ref(reader, 'scores'), ...constraints()));
    const keys: string[] = [];
    snapshot.forEach((child) => {
      keys.push(child.key as string);
    });
    expect(keys).toEqual(expected);
  });

  it('orders by value and by priority', async () => {
    const database = clients().database();
    await set(ref(database, 'values'), { a: 3, b: 'text', c: 1, d: true });
    await set(ref(database, 'prio'), {
      x: { '.value': 1, '.priority': 'z' },
      y: { '.value': 2, '.priority': 5 },
      z: 3,
    });
    const reader = clients().database();
    const byValue = await get(query(ref(reader, 'values'), orderByValue(), startAt(2)));
    expect(Object.keys(byValue.val() as object).sort()).toEqual(['a', 'b']);
    const byPriority = await get(query(ref(reader, 'prio'), orderByPriority(), limitToFirst(2)));
    const keys: string[] = [];
    byPriority.forEach((child) => {
      keys.push(child.key as string);
    });
    expect(keys).toEqual(['z', 'y']);
  });

  it('keeps a limit query current as children enter and leave the window', async () => {
    const writer = clients().database();
    await set(ref(writer, 'scores'), scores);
    const reader = clients().database();
    const top = query(ref(reader, 'scores'), orderByChild('score'), limitToLast(1));
    const recorder = recordValues(top);
    await valueSatisfying(top, (value) => keysOf(value).join() === 'amy');
    await set(ref(writer, 'scores/eve'), { score: 99 });
    await valueSatisfying(top, (value) => keysOf(value).join() === 'eve');
    await remove(ref(writer, 'scores/eve'));
    await valueSatisfying(top, (value) => keysOf(value).join() === 'amy');
    recorder.stop();
    expect(recorder.values.map(keysOf)).toEqual([['amy'], ['eve'], ['amy']]);
  });

  it('keeps an equalTo query current as children start and stop matching', async () => {
    const writer = clients().database();
    await set(ref(writer, 'jobs'), { a: { status: 'pending' }, b: { status: 'done' } });
    const reader = clients().database();
    const pending = query(ref(reader, 'jobs'), orderByChild('status'), equalTo('pending'));
    const recorder = recordValues(pending);
    await valueSatisfying(pending, (value) => keysOf(value).join() === 'a');
    await set(ref(writer, 'jobs/c'), { status: 'pending' });
    await update(ref(writer, '/'), {
      'jobs/a/status': 'done',
      'jobs/b/status': 'pending',
      other: 1,
    });
    await set(ref(writer, 'jobs/d'), { status: 'done' });
    await set(ref(writer, 'jobs/c/note'), 'still pending');
    await valueSatisfying(
      pending,
      (value: Record<string, { note?: string }> | null) => value?.c?.note === 'still pending',
    );
    recorder.stop();
    expect(recorder.values.map((value) => keysOf(value).sort())).toEqual([
      ['a'],
      ['a', 'c'],
      ['b', 'c'],
      ['b', 'c'],
    ]);
    expect(recorder.values.at(-1)).toEqual({
      b: { status: 'pending' },
      c: { status: 'pending', note: 'still pending' },
    });
  });

  it('answers a listener of an ordering-only query with the whole location', async () => {
    const writer = clients().database();
    await set(ref(writer, 'scores'), scores);
    const reader = clients().database();
    const ordered = query(ref(reader, 'scores'), orderByChild('score'));
    const keys = await new Promise<string[]>((resolve) => {
      const unsubscribe = onValue(ordered, (snapshot) => {
        const found: string[] = [];
        snapshot.forEach((child) => {
          found.push(child.key as string);
        });
        unsubscribe();
        resolve(found);
      });
    });
    expect(keys).toEqual(['bob', 'cat', 'dan', 'amy']);
  });
});
