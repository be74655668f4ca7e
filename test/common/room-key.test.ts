import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ROOM_URL_BYTES,
  RoomKeyError,
  roomKeyFromUrl,
  roomUrlFromKey,
} from '../../common/room-key.js';

const btoaPathSafe = (ascii: string) =>
  btoa(ascii).replaceAll('+', '-').replaceAll('/', '_').replaceAll('=', '');

const utf8Length = (text: string) => new TextEncoder().encode(text).length;

describe('roomKeyFromUrl', () => {
  it('equals btoa with +/ mapped to -_ and the padding dropped for ASCII URLs', () => {
    for (const roomUrl of [
      'https://app.example.com/room/standup',
      'https://app.example.com/r/a',
      'https://app.example.com/r/ab',
      'http://localhost:5173/?room=42&x=y',
    ]) {
      expect(roomKeyFromUrl(roomUrl)).toBe(btoaPathSafe(roomUrl));
    }
  });

  it('maps the / and + that plain btoa produces to path-safe characters', () => {
    // btoa of this URL holds both '/' and '+'; a database path cannot contain '/'.
    const roomUrl = 'https://x.io/a?~~>';
    expect(btoa(roomUrl)).toMatch(/\//);
    expect(btoa(roomUrl)).toMatch(/\+/);
    const key = roomKeyFromUrl(roomUrl);
    expect(key).toBe('aHR0cHM6Ly94LmlvL2E_fn4-');
    expect(key).not.toMatch(/[+/=]/);
  });

  it('encodes non-ASCII URLs as their UTF-8 bytes', () => {
    const roomUrl = 'https://例え.jp/会議室/ß?ü=😀';
    const expected = Buffer.from(roomUrl, 'utf8').toString('base64url');
    expect(roomKeyFromUrl(roomUrl)).toBe(expected);
    expect(roomUrlFromKey(expected)).toBe(roomUrl);
  });

  it('never produces padding or characters outside [A-Za-z0-9_-], and maps back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 47 }), (roomUrl) => {
        fc.pre(utf8Length(roomUrl) <= MAX_ROOM_URL_BYTES);
        const key = roomKeyFromUrl(roomUrl);
        expect(key).toMatch(/^[A-Za-z0-9_-]+$/);
        expect(key).toBe(Buffer.from(roomUrl, 'utf8').toString('base64url'));
        expect(roomUrlFromKey(key)).toBe(roomUrl);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts a URL of exactly the byte limit and its key fits a 255-byte file name', () => {
    const roomUrl = `https://example.com/${'a'.repeat(MAX_ROOM_URL_BYTES - 20)}`;
    expect(utf8Length(roomUrl)).toBe(MAX_ROOM_URL_BYTES);
    expect(roomKeyFromUrl(roomUrl).length).toBeLessThanOrEqual(255);
  });

  it('rejects an empty URL', () => {
    expect(() => roomKeyFromUrl('')).toThrow(RoomKeyError);
    expect(() => roomKeyFromUrl('')).toThrow(expect.objectContaining({ code: 'invalid_room_url' }));
  });

  it('rejects a URL one byte over the limit, counting UTF-8 bytes rather than characters', () => {
    const ascii = `https://example.com/${'a'.repeat(MAX_ROOM_URL_BYTES - 19)}`;
    expect(() => roomKeyFromUrl(ascii)).toThrow(
      expect.objectContaining({ code: 'invalid_room_url' }),
    );
    // 64 characters, but 3 bytes each: 192 bytes.
    const wide = '会'.repeat(64);
    expect(wide.length).toBeLessThan(MAX_ROOM_URL_BYTES);
    expect(() => roomKeyFromUrl(wide)).toThrow(/192 bytes/);
  });

  it('rejects a URL with a lone surrogate, which UTF-8 cannot carry', () => {
    expect(() => roomKeyFromUrl('https://x.io/\uD800')).toThrow(
      expect.objectContaining({ code: 'invalid_room_url' }),
    );
  });
});

describe('roomUrlFromKey', () => {
  it.each([
    ['an empty key', ''],
    ['padding', 'YQ=='],
    ['plain base64 characters', 'a+b/'],
    ['a length no encoder produces', 'abcde'],
    ['bytes that are not UTF-8', '_w'],
    ['non-canonical trailing bits', 'YR'],
  ])('rejects %s', (_name, key) => {
    expect(() => roomUrlFromKey(key)).toThrow(
      expect.objectContaining({ code: 'invalid_room_key' }),
    );
  });
});
