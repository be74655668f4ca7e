import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFromWire } from '../../../emulators/rtdb/data-node.js';
import { nodeHash } from '../../../emulators/rtdb/hash.js';
import { type RtdbEmulator, startRtdbEmulator } from '../../../emulators/rtdb/index.js';
import { randomNamespace } from './database-clients.js';
import { WireClient } from './wire-client.js';

let emulator: RtdbEmulator;
const logged: string[] = [];

beforeAll(async () => {
  emulator = await startRtdbEmulator({ log: (line) => logged.push(line) });
});
afterAll(async () => {
  await emulator.stop();
});

const isPush = (message: { t: string; d: Record<string, unknown> }) =>
  message.t === 'd' && 'a' in message.d;

describe('wire protocol v5', () => {
  it('opens with a handshake that echoes the Host header', async () => {
    const client = await WireClient.connect(emulator.host, randomNamespace());
    const handshake = client.messages[0]?.d as { t: string; d: Record<string, unknown> };
    expect(handshake.t).toBe('h');
    expect(handshake.d).toMatchObject({ v: '5', h: emulator.host });
    expect(typeof handshake.d.ts).toBe('number');
    expect(typeof handshake.d.s).toBe('string');
    client.close();
  });

  it('answers a ping with a pong and ignores keepalive frames', async () => {
    const client = await WireClient.connect(emulator.host, randomNamespace());
    client.sendRaw('0');
    client.sendRaw(JSON.stringify({ t: 'c', d: { t: 'p', d: {} } }));
    await client.waitFor((message) => message.t === 'c' && message.d.t === 'o');
    expect(await client.request('s', { c: { 'sdk.js.12-0-0': 1 } })).toEqual({ s: 'ok', d: '' });
    client.close();
  });

  it('reassembles count-prefixed frames and splits long replies the same way', async () => {
    const client = await WireClient.connect(emulator.host, randomNamespace());
    const long = 'x'.repeat(40_000);
    const message = JSON.stringify({ t: 'd', d: { r: 1000, a: 'p', b: { p: '/long', d: long } } });
    const chunks = message.match(/[\s\S]{1,16384}/g) as string[];
    client.sendRaw(String(chunks.length));
    for (const chunk of chunks) client.sendRaw(chunk);
    await client.waitFor((reply) => reply.d.r === 1000);
    const frames: string[] = [];
    client.socket.on('message', (data) => frames.push(data.toString()));
    expect(await client.request('g', { p: '/long', q: {} })).toEqual({ s: 'ok', d: long });
    expect(frames[0]).toBe('3');
    client.close();
  });

  it('pushes a listen’s data before its ok, and tags filtered queries', async () => {
    const client = await WireClient.connect(emulator.host, randomNamespace());
    await client.request('p', { p: '/items', d: { a: { n: 1 }, b: { n: 2 }, c: { n: 3 } } });
    const query = { sp: 2, sin: true, l: 1, vf: 'l', i: 'n' };
    const reply = await client.request('q', { p: '/items', h: '', q: query, t: 1 });
    expect(reply.s).toBe('ok');
    const pushes = client.messages.filter(isPush);
    expect(pushes.at(-1)?.d).toEqual({ a: 'd', b: { p: '/items', d: { b: { n: 2 } }, t: 1 } });
    client.close();
  });

  it('refuses a transaction whose hash is stale, and accepts the SDK’s hash', async () => {
    const client = await WireClient.connect(emulator.host, randomNamespace());
    await client.request('p', { p: '/tx', d: { n: 2 } });
    expect((await client.request('p', { p: '/tx', d: { n: 3 }, h: '' })).s).toBe('datastale');
    const hash = '7FJMSAtJq2TxFHKF0y1WNuw47ZM=';
    expect(await client.request('p', { p: '/tx', d: { n: 3 }, h: hash })).toEqual({
      s: 'ok',
      d: '',
    });
    client.close();
  });

  it('answers bad requests with an error status and keeps the connection', async () => {
    const client = await WireClient.connect(emulator.host, randomNamespace());
    for (const body of [
      { p: '/a.b', d: 1 },
      { p: '/a#b', d: 1 },
      { p: '/a[0]', d: 1 },
      { p: '/ok', d: { bad$key: 1 } },
      { p: '/ok', d: { '.sv': 'nonsense' } },
      { p: 7, d: 1 },
    ]) {
      const reply = await client.request('p', body);
      expect(reply.s).not.toBe('ok');
      expect(typeof reply.d).toBe('string');
    }
    expect((await client.request('m', { p: '/ok', d: 'not an object' })).s).not.toBe('ok');
    expect((await client.request('q', { p: '/$x', h: '' })).s).not.toBe('ok');
    expect((await client.request('unknownAction', {})).s).toBe('ok');
    expect(logged).toContain('rtdb: unknown action "unknownAction"');
    expect(await client.request('p', { p: '/still/works', d: 1 })).toEqual({ s: 'ok', d: '' });
    client.close();
  });

  it('closes only the connection that sends malformed or oversized input', async () => {
    const namespace = randomNamespace();
    const bystander = await WireClient.connect(emulator.host, namespace);
    for (const send of [
      (client: WireClient) => client.sendRaw('{not json'),
      (client: WireClient) => client.sendRaw(JSON.stringify({ t: 'd', d: { a: 'p' } })),
      (client: WireClient) => client.sendRaw('[1,2]'),
      (client: WireClient) => {
        client.sendRaw('2000');
        for (let i = 0; i < 1100; i++) client.sendRaw('y'.repeat(16_384));
      },
    ]) {
      const offender = await WireClient.connect(emulator.host, namespace);
      send(offender);
      await offender.closed;
    }
    expect(await bystander.request('p', { p: '/alive', d: true })).toEqual({ s: 'ok', d: '' });
    bystander.close();
  });

  it('answers a denied write, get and listen with permission_denied', async () => {
    const namespace = randomNamespace();
    emulator.controls.setRules(namespace, '{"rules":{".read":false,".write":false}}');
    const client = await WireClient.connect(emulator.host, namespace);
    const denied = { s: 'permission_denied', d: 'Permission denied' };
    expect(await client.request('p', { p: '/x', d: 1 })).toEqual(denied);
    expect(await client.request('m', { p: '/', d: { x: 1 } })).toEqual(denied);
    expect(await client.request('g', { p: '/x', q: {} })).toEqual(denied);
    expect(await client.request('q', { p: '/x', h: '' })).toEqual(denied);
    expect(await client.request('gauth', { cred: 'owner' })).toEqual({ s: 'ok', d: '' });
    expect(await client.request('p', { p: '/x', d: 1 })).toEqual({ s: 'ok', d: '' });
    client.close();
  });
});

describe('transaction hash', () => {
  const hashOf = (value: unknown) => nodeHash(nodeFromWire(value, undefined, { now: 0 }));

  it('matches the SDK for a known value and is empty for no data', () => {
    expect(hashOf({ n: 2 })).toBe('7FJMSAtJq2TxFHKF0y1WNuw47ZM=');
    expect(hashOf(null)).toBe('');
    expect(hashOf({})).toBe('');
  });

  it('depends on priorities and on child order only through the priority index', () => {
    expect(hashOf({ a: 1, b: 2 })).toBe(hashOf({ b: 2, a: 1 }));
    expect(hashOf({ '.value': 1, '.priority': 1 })).not.toBe(hashOf(1));
  });
});
