import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomRegistry } from '../../../emulators/livekit/rooms/room-registry.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('room timeouts', () => {
  it('keeps a room whose empty_timeout is longer than a Node timer can hold', () => {
    vi.useFakeTimers();
    const rooms = new RoomRegistry({ autoCreate: true, emptyTimeoutS: 300, departureTimeoutS: 20 });
    // uint32 seconds, as livekit accepts it: about 136 years.
    rooms.create({ name: 'forever', emptyTimeoutS: 4_294_967_295 });
    vi.advanceTimersByTime(60_000);
    expect(rooms.get('forever')).toBeDefined();
    rooms.stop();
  });

  it('closes a room nobody joined after its empty_timeout', () => {
    vi.useFakeTimers();
    const rooms = new RoomRegistry({ autoCreate: true, emptyTimeoutS: 300, departureTimeoutS: 20 });
    rooms.create({ name: 'brief', emptyTimeoutS: 5 });
    vi.advanceTimersByTime(5_000);
    expect(rooms.get('brief')).toBeUndefined();
  });
});
