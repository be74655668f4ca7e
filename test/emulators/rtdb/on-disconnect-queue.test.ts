import { describe, expect, it } from 'vitest';
import { OnDisconnectQueue } from '../../../emulators/rtdb/on-disconnect-queue.js';

describe('onDisconnect queue', () => {
  it('lets a later set replace pending writes at or below it', () => {
    const queue = new OnDisconnectQueue();
    queue.set(['a', 'b'], 1);
    queue.set(['a', 'c'], 2);
    queue.set(['a'], { d: 3 });
    expect(queue.drain()).toEqual([{ path: ['a'], value: { d: 3 } }]);
  });

  it('carves a cancelled path out of a pending set above it', () => {
    const queue = new OnDisconnectQueue();
    queue.set(['user'], { online: false, profile: { name: 'x', age: 1 } });
    queue.set(['other'], true);
    queue.cancel(['user', 'profile', 'name']);
    queue.cancel(['other']);
    expect(queue.drain()).toEqual([
      { path: ['user'], value: { online: false, profile: { age: 1 } } },
    ]);
    expect(queue.drain()).toEqual([]);
  });
});
