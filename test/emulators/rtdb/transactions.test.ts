import { get, ref, runTransaction, set } from 'firebase/database';
import { describe, expect, it } from 'vitest';
import { useWebClients } from './database-clients.js';

const { clients } = useWebClients();

describe('transactions', () => {
  it('counts exactly when 10 clients increment one counter concurrently', async () => {
    const databases = Array.from({ length: 10 }, () => clients().database());
    const perClient = 5;
    await Promise.all(
      databases.map(async (database) => {
        for (let i = 0; i < perClient; i++) {
          const result = await runTransaction(
            ref(database, 'counter'),
            (value: number | null) => (value ?? 0) + 1,
          );
          expect(result.committed).toBe(true);
        }
      }),
    );
    const total = (await get(ref(clients().database(), 'counter'))).val();
    expect(total).toBe(10 * perClient);
  });

  it('reruns on data written by another client, including prioritised and nested data', async () => {
    const [writer, runner] = [clients().database(), clients().database()];
    await set(ref(writer, 'doc'), {
      '.priority': 7,
      n: 1.5,
      flag: true,
      text: 'héllo',
      nested: { '10': 'ten', '9': 'nine', b: { '.value': 'x', '.priority': 'p' } },
    });
    const result = await runTransaction(ref(runner, 'doc'), (doc: { n: number } | null) =>
      doc === null ? doc : { ...doc, n: doc.n + 1 },
    );
    expect(result.committed).toBe(true);
    expect((await get(ref(writer, 'doc/n'))).val()).toBe(2.5);
  });

  it('commits over numbers whose SDK hash is not their true bit pattern (found by fuzzing)', async () => {
    const [writer, runner] = [clients().database(), clients().database()];
    await set(ref(writer, 'odd-numbers'), { a: -9.911530391225585e-305, b: 5e-324, c: 1e300 });
    const result = await runTransaction(ref(runner, 'odd-numbers'), (doc: object | null) =>
      doc === null ? doc : { ...doc, seen: true },
    );
    expect(result.committed).toBe(true);
  });

  it('aborts when the update function returns undefined, leaving the data alone', async () => {
    const database = clients().database();
    await set(ref(database, 'kept'), 'original');
    const result = await runTransaction(ref(database, 'kept'), () => undefined);
    expect(result.committed).toBe(false);
    expect((await get(ref(clients().database(), 'kept'))).val()).toBe('original');
  });
});
