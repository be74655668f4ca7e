import { get, onDisconnect, onValue, ref, serverTimestamp, set, update } from 'firebase/database';
import { describe, expect, it } from 'vitest';
import { useWebClients, valueSatisfying } from './database-clients.js';

const { emulator, clients } = useWebClients();

describe('dropped connections', () => {
  it('runs onDisconnect writes when the server drops the connection', async () => {
    const [present, watcher] = [clients().database(), clients().database()];
    await set(ref(present, 'presence/amy'), { online: true });
    await onDisconnect(ref(present, 'presence/amy')).set({ online: false, at: serverTimestamp() });
    await onDisconnect(ref(present, 'sessions')).update({ amy: null, count: 0 });
    await onDisconnect(ref(present, 'cancelled')).set('should not appear');
    await onDisconnect(ref(present, 'cancelled')).cancel();
    await set(ref(watcher, 'sessions'), { amy: 'open', count: 1 });
    const offline = valueSatisfying(
      ref(watcher, 'presence/amy'),
      (value: { online: boolean } | null) => value?.online === false,
    );
    emulator().controls.dropAllConnections();
    const presence = (await offline) as { online: boolean; at: number };
    expect(presence.at).toBeGreaterThan(0);
    expect((await get(ref(watcher, 'sessions'))).val()).toEqual({ count: 0 });
    expect((await get(ref(watcher, 'cancelled'))).val()).toBeNull();
  });

  it('reports .info/connected false then true around a forced disconnect', async () => {
    const database = clients().database();
    const states: boolean[] = [];
    const unsubscribe = onValue(ref(database, '.info/connected'), (snapshot) => {
      states.push(snapshot.val() as boolean);
    });
    await valueSatisfying(ref(database, '.info/connected'), (value) => value === true);
    emulator().controls.dropAllConnections();
    await valueSatisfying(ref(database, '.info/connected'), (value) => value === false);
    await valueSatisfying(ref(database, '.info/connected'), (value) => value === true, 20_000);
    unsubscribe();
    expect(states.slice(-3)).toEqual([true, false, true]);
  });

  it('sets .info/serverTimeOffset from the handshake', async () => {
    const database = clients().database();
    await valueSatisfying(ref(database, '.info/connected'), (value) => value === true);
    const offset = await valueSatisfying<number>(
      ref(database, '.info/serverTimeOffset'),
      (value) => typeof value === 'number',
    );
    expect(Math.abs(offset)).toBeLessThan(5_000);
  });

  it('delivers writes made while disconnected after the client reconnects', async () => {
    const [offlineWriter, reader] = [clients().database(), clients().database()];
    await valueSatisfying(ref(offlineWriter, '.info/connected'), (value) => value === true);
    await valueSatisfying(ref(reader, '.info/connected'), (value) => value === true);
    emulator().controls.refuseConnectionsFor(1_500);
    emulator().controls.dropAllConnections();
    await valueSatisfying(ref(offlineWriter, '.info/connected'), (value) => value === false);
    const pending = Promise.all([
      set(ref(offlineWriter, 'queued/set'), 'while offline'),
      update(ref(offlineWriter, 'queued'), { merged: 1 }),
    ]);
    const arrived = valueSatisfying(
      ref(reader, 'queued'),
      (value: { set?: string; merged?: number } | null) =>
        value?.set === 'while offline' && value.merged === 1,
      20_000,
    );
    await expect(arrived).resolves.toEqual({ set: 'while offline', merged: 1 });
    await pending;
  });

  it('restores listens after reconnecting, and they see later writes', async () => {
    const [listener, writer] = [clients().database(), clients().database()];
    const values: unknown[] = [];
    const unsubscribe = onValue(ref(listener, 'live'), (snapshot) => {
      values.push(snapshot.val());
    });
    await valueSatisfying(ref(listener, 'live'), (value) => value === null);
    emulator().controls.dropAllConnections();
    await valueSatisfying(ref(listener, '.info/connected'), (value) => value === true, 20_000);
    await set(ref(writer, 'live'), 'after reconnect');
    await valueSatisfying(ref(listener, 'live'), (value) => value === 'after reconnect');
    unsubscribe();
    expect(values.at(-1)).toBe('after reconnect');
  });
});
