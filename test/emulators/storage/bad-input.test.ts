import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type StorageEmulator, startStorageEmulator } from '../../../emulators/storage/index.js';
import { describeWithOurServers } from '../../support/local-servers.js';

let emulator: StorageEmulator;
// The data directory sits alone in a parent of its own, so a write that escaped it would show.
let parent: string;

beforeAll(async () => {
  parent = await mkdtemp(join(tmpdir(), 'storage-bad-input-'));
  emulator = await startStorageEmulator({ dir: join(parent, 'data') });
});

afterAll(async () => {
  await emulator.stop();
  await rm(parent, { recursive: true, force: true });
});

interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** One HTTP request with the path sent byte for byte (fetch would normalise `..` away). */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port: emulator.port, method, path, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            text: Buffer.concat(chunks).toString(),
          }),
        );
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

const reasonOf = (answer: RawAnswer) =>
  (JSON.parse(answer.text) as { error: { errors: { reason: string }[] } }).error.errors[0]?.reason;

const BUCKET = 'bad-input.appspot.com';
const uploads = `/upload/storage/v1/b/${BUCKET}/o`;

async function startSession(name: string): Promise<string> {
  const answer = await send(
    'POST',
    `${uploads}?uploadType=resumable&name=${encodeURIComponent(name)}`,
    {
      'content-type': 'application/json',
    },
    '{}',
  );
  expect(answer.status).toBe(200);
  const location = new URL(String(answer.headers.location));
  return `${location.pathname}${location.search}`;
}

/** Every file below `dir`, as paths relative to it. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describeWithOurServers('bad input gets GCS status codes and error bodies', () => {
  it('refuses malformed JSON metadata with 400 invalid', async () => {
    const answer = await send(
      'POST',
      `${uploads}?uploadType=resumable&name=a`,
      {
        'content-type': 'application/json',
      },
      '{"metadata":',
    );
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe('invalid');
  });

  it('refuses a session without an object name with 400 required', async () => {
    const answer = await send('POST', `${uploads}?uploadType=resumable`, {}, '{}');
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe('required');
  });

  it('answers 404 notFound for an unknown upload id', async () => {
    const answer = await send('PUT', `${uploads}?uploadType=resumable&upload_id=nope`, {
      'content-range': 'bytes */*',
    });
    expect(answer.status).toBe(404);
    expect(reasonOf(answer)).toBe('notFound');
  });

  it('refuses a chunk that starts past the persisted bytes (a gap) with 400', async () => {
    const session = await startSession('gap');
    const answer = await send(
      'PUT',
      session,
      { 'content-range': 'bytes 10-19/*' },
      Buffer.alloc(10),
    );
    expect(answer.status).toBe(400);
    const status = await send('PUT', session, { 'content-range': 'bytes */*' });
    expect(status.status).toBe(308);
    expect(status.headers.range).toBeUndefined();
  });

  it('keeps overlapping bytes once: a re-sent range is skipped up to what is persisted', async () => {
    const session = await startSession('overlap');
    await send('PUT', session, { 'content-range': 'bytes 0-5/*' }, 'abcdef');
    const answer = await send('PUT', session, { 'content-range': 'bytes 3-9/10' }, 'defghij');
    expect(answer.status).toBe(200);
    expect((await emulator.readObject(BUCKET, 'overlap')).toString()).toBe('abcdefghij');
  });

  it('refuses a malformed or contradictory Content-Range with 400', async () => {
    const session = await startSession('bad-range');
    for (const range of ['bytes 5-2/*', 'bytes 0-9/5', 'chunks 0-1/*', 'bytes -1-2/*']) {
      const answer = await send('PUT', session, { 'content-range': range }, 'xx');
      expect(answer.status, range).toBe(400);
    }
  });

  it('refuses a body longer than its Content-Range with 400 and keeps only the declared bytes', async () => {
    const session = await startSession('too-long');
    const answer = await send(
      'PUT',
      session,
      { 'content-range': 'bytes 0-*/4', 'transfer-encoding': 'chunked' },
      'abcdefgh',
    );
    expect(answer.status).toBe(400);
    const status = await send('PUT', session, { 'content-range': 'bytes */4' });
    expect(status.status).toBe(200);
    expect((await emulator.readObject(BUCKET, 'too-long')).toString()).toBe('abcd');
  });

  it.each([
    ['.', '.'],
    ['..', '..'],
    ['a line feed', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['1025 bytes', 'x'.repeat(1025)],
    ['an ACME challenge path', '.well-known/acme-challenge/token'],
  ])('refuses the object name %s with 400 invalid', async (_label, name) => {
    const answer = await send(
      'POST',
      `${uploads}?uploadType=media&name=${encodeURIComponent(name)}`,
      {},
      'x',
    );
    expect(answer.status).toBe(400);
    expect(reasonOf(answer)).toBe('invalid');
  });

  it('refuses an invalid bucket name with 400', async () => {
    const answer = await send('GET', '/b/..%2F..%2Fetc/o');
    expect(answer.status).toBe(400);
  });

  it('stores names with ../ as plain names, never writing outside the data directory', async () => {
    const names = ['../../escape.txt', '../outside/../x', 'a/../../../../tmp/evil'];
    for (const name of names) {
      const answer = await send(
        'POST',
        `${uploads}?uploadType=media&name=${encodeURIComponent(name)}`,
        {},
        name,
      );
      expect(answer.status).toBe(200);
      expect((await emulator.readObject(BUCKET, name)).toString()).toBe(name);
    }
    expect(await readdir(parent)).toEqual(['data']);
    expect((await readdir(join(parent, 'data'))).sort()).toEqual(['objects', 'uploads']);
    const files = await filesBelow(parent);
    const dataDir = join(parent, 'data');
    expect(files.filter((file) => !file.startsWith(`${dataDir}/`))).toEqual([]);
  });

  it('does not resolve dot segments of a raw path into files', async () => {
    const answer = await send('GET', `/b/${BUCKET}/o/../../../../../etc/passwd?alt=media`);
    expect(answer.status).toBe(404);
    expect(reasonOf(answer)).toBe('notFound');
  });

  it('refuses a malformed multipart body with 400', async () => {
    const answer = await send(
      'POST',
      `${uploads}?uploadType=multipart&name=m`,
      {
        'content-type': 'multipart/related; boundary=xyz',
      },
      '--xyz\r\nContent-Type: application/json\r\n\r\n{}\r\n--xyz\r\nContent-Type: text/plain\r\n\r\nno end',
    );
    expect(answer.status).toBe(400);
  });

  it('answers 501 to a route it does not implement', async () => {
    const answer = await send('POST', `/b/${BUCKET}/o/x/compose`, {}, '{}');
    expect(answer.status).toBe(501);
  });
});
