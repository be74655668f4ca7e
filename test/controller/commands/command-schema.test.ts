import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCommand } from '../../../common/recording/command-schema.js';
import { roomKeyFromUrl } from '../../../common/room-key.js';

const roomUrl = 'https://app.example.com/room/standup';
const roomKey = roomKeyFromUrl(roomUrl);
const recordingId = '-OabcdefghijklmnopqR';
const record = { roomUrl, requestedBy: 'alice', requestedAt: 1, status: 'requested' };
const start = { action: 'start', roomKey, recordingId, by: 'alice', at: 1_700_000_000_000 };

describe('checkCommand', () => {
  it('accepts a start command that matches its record', () => {
    expect(checkCommand(`${recordingId}_start`, start, record)).toEqual({
      kind: 'valid',
      command: start,
    });
  });

  it('accepts a stop command from the user who requested the stop', () => {
    const stop = { ...start, action: 'stop', by: 'bob' };
    const stopped = { ...record, stopRequestedBy: 'bob' };
    expect(checkCommand(`${recordingId}_stop`, stop, stopped).kind).toBe('valid');
  });

  it.each([
    ['an unknown action', { ...start, action: 'pause' }, /action/],
    ['a missing field', { ...start, by: undefined }, /by/],
    ['a wrong type', { ...start, at: 'yesterday' }, /at/],
    ['an extra field', { ...start, admin: true }, /admin|Unrecognized/i],
    ['a huge string', { ...start, by: 'x'.repeat(100_000) }, /by/],
    ['a malformed room key', { ...start, roomKey: 'a/b' }, /roomKey/],
  ])('refuses %s as invalid, keeping what locates the record', (_name, raw, reason) => {
    const result = checkCommand(`${recordingId}_start`, raw, record);
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.reason).toMatch(reason);
    expect(result.reason.length).toBeLessThanOrEqual(500);
    const action = raw.action === 'start' ? { action: 'start' } : {};
    if (raw.roomKey === roomKey)
      expect(result.locator).toEqual({ roomKey, recordingId, ...action });
  });

  it('refuses a command stored under a key that does not name it', () => {
    const result = checkCommand(`${recordingId}_stop`, start, record);
    expect(result).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/queue key/) });
  });

  it('refuses a roomKey that does not match the record roomUrl', () => {
    const other = { ...start, roomKey: roomKeyFromUrl('https://app.example.com/room/other') };
    expect(checkCommand(`${recordingId}_start`, other, record)).toMatchObject({
      kind: 'invalid',
      reason: 'roomKey does not match the record roomUrl',
    });
  });

  it('refuses a by that differs from the record requester', () => {
    expect(checkCommand(`${recordingId}_start`, { ...start, by: 'mallory' }, record)).toMatchObject(
      {
        kind: 'invalid',
        reason: 'by does not match the record requestedBy',
      },
    );
    const stop = { ...start, action: 'stop', by: 'mallory' };
    expect(
      checkCommand(`${recordingId}_stop`, stop, { ...record, stopRequestedBy: 'bob' }),
    ).toMatchObject({
      kind: 'invalid',
      reason: 'by does not match the record stopRequestedBy',
    });
  });

  it('calls a well-formed command without a record an orphan', () => {
    expect(checkCommand(`${recordingId}_start`, start, undefined)).toEqual({
      kind: 'orphan',
      command: start,
    });
  });

  it('never throws, whatever the queue holds', () => {
    fc.assert(
      fc.property(fc.string(), fc.anything(), fc.option(fc.anything()), (key, raw, target) => {
        const result = checkCommand(key, raw, target ?? undefined);
        expect(['valid', 'invalid', 'orphan']).toContain(result.kind);
      }),
      { numRuns: 2000 },
    );
  });
});
