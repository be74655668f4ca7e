import { onValue, ref } from 'firebase/database';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RtdbEmulator, startRtdbEmulator } from '../../../emulators/rtdb/index.js';
import { randomNamespace, WebClients } from './database-clients.js';

let emulator: RtdbEmulator;

beforeAll(async () => {
  emulator = await startRtdbEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

const OWNER = { authorization: 'Bearer owner' };

function rest(namespace: string, path: string, init: RequestInit = {}, params = '') {
  return fetch(`http://${emulator.host}${path}?ns=${namespace}${params}`, init);
}

describe('REST', () => {
  it('puts, patches, posts, gets and deletes data', async () => {
    const ns = randomNamespace();
    const put = await rest(ns, '/items/a.json', { method: 'PUT', body: '{"n":1}' });
    expect(await put.json()).toEqual({ n: 1 });
    const patch = await rest(ns, '/items.json', { method: 'PATCH', body: '{"a/n":2,"b":{"n":3}}' });
    expect(await patch.json()).toEqual({ 'a/n': 2, b: { n: 3 } });
    const post = await rest(ns, '/items.json', { method: 'POST', body: '{"n":4}' });
    const { name } = (await post.json()) as { name: string };
    expect(name).toMatch(/^[-\w]{20}$/);
    const all = await rest(ns, '/items.json');
    expect(await all.json()).toEqual({ a: { n: 2 }, b: { n: 3 }, [name]: { n: 4 } });
    const shallow = await rest(ns, '/items.json', {}, '&shallow=true');
    expect(await shallow.json()).toEqual({ a: true, b: true, [name]: true });
    const limited = await rest(ns, '/items.json', {}, '&orderBy="n"&limitToFirst=1');
    expect(await limited.json()).toEqual({ a: { n: 2 } });
    const deleted = await rest(ns, '/items/a.json', { method: 'DELETE' });
    expect(await deleted.json()).toBeNull();
    const silent = await rest(ns, '/items/b.json', { method: 'PUT', body: '5' }, '&print=silent');
    expect(silent.status).toBe(204);
    const pretty = await rest(ns, '/items/b.json', {}, '&print=pretty');
    expect(await pretty.text()).toBe('5');
  });

  it('notifies websocket listeners of REST writes', async () => {
    const ns = randomNamespace();
    const clients = new WebClients(emulator, ns);
    try {
      const database = clients.database();
      const seen = new Promise((resolve) => {
        const stop = onValue(ref(database, 'from-rest'), (snapshot) => {
          if (snapshot.val() === null) return;
          stop();
          resolve(snapshot.val());
        });
      });
      await rest(ns, '/from-rest.json', { method: 'PUT', body: '{"ok":true}' });
      await expect(seen).resolves.toEqual({ ok: true });
    } finally {
      await clients.close();
    }
  });

  it('answers invalid JSON and invalid paths with 400 and an error', async () => {
    const ns = randomNamespace();
    const badJson = await rest(ns, '/x.json', { method: 'PUT', body: '{oops' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toHaveProperty('error');
    const badPath = await rest(ns, '/a$b.json', { method: 'PUT', body: '1' });
    expect(badPath.status).toBe(400);
  });

  it('replaces rules with PUT /.settings/rules.json (comments allowed) and enforces them', async () => {
    const ns = randomNamespace();
    const rules = '{ "rules": { /* locked */ ".read": false, ".write": "auth != null" } }';
    const anonymous = await rest(ns, '/.settings/rules.json', { method: 'PUT', body: rules });
    expect(anonymous.status).toBe(401);
    const put = await rest(ns, '/.settings/rules.json', {
      method: 'PUT',
      body: rules,
      headers: OWNER,
    });
    expect(put.ok).toBe(true);
    const source = await rest(ns, '/.settings/rules.json', { headers: OWNER });
    expect(await source.text()).toBe(rules);
    const denied = await rest(ns, '/x.json', { method: 'PUT', body: '1' });
    expect(denied.status).toBe(401);
    expect(await denied.json()).toEqual({ error: 'Permission denied' });
    expect((await rest(ns, '/x.json', { method: 'PUT', body: '1', headers: OWNER })).ok).toBe(true);
    const invalid = await rest(ns, '/.settings/rules.json', {
      method: 'PUT',
      body: '{"rules":{".read":"nonsense("}}',
      headers: OWNER,
    });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toHaveProperty('error');
  });

  it('clears a namespace with DELETE /.json as owner, leaving other namespaces alone', async () => {
    const [ns, other] = [randomNamespace(), randomNamespace()];
    await rest(ns, '/a.json', { method: 'PUT', body: '1' });
    await rest(other, '/a.json', { method: 'PUT', body: '2' });
    expect((await rest(ns, '/.json', { method: 'DELETE', headers: OWNER })).ok).toBe(true);
    expect(await (await rest(ns, '/.json')).json()).toBeNull();
    expect(await (await rest(other, '/.json')).json()).toEqual({ a: 2 });
  });
});
