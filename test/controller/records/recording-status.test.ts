import { describe, expect, it } from 'vitest';
import {
  assertTransition,
  canReopen,
  canTransition,
  FINAL_STATUSES,
  IllegalTransitionError,
  RECORDING_STATUSES,
} from '../../../common/recording/recording-status.js';

const HAPPY_PATH = [
  'requested',
  'starting',
  'recording',
  'stopping',
  'processing',
  'uploading',
  'uploaded',
] as const;

describe('the recording transition table', () => {
  it('allows the happy path from requested to uploaded, one step at a time', () => {
    for (let index = 1; index < HAPPY_PATH.length; index++) {
      const from = HAPPY_PATH[index - 1];
      const to = HAPPY_PATH[index];
      if (from !== undefined && to !== undefined)
        expect(canTransition(from, to), `${from}→${to}`).toBe(true);
    }
  });

  it('allows failed from every status that is not final', () => {
    for (const status of RECORDING_STATUSES) {
      expect(canTransition(status, 'failed')).toBe(!FINAL_STATUSES.has(status));
    }
  });

  it('never leaves a final status', () => {
    for (const from of FINAL_STATUSES) {
      for (const to of RECORDING_STATUSES)
        expect(canTransition(from, to), `${from}→${to}`).toBe(false);
    }
  });

  it('never moves backwards along the happy path', () => {
    for (let later = 1; later < HAPPY_PATH.length; later++) {
      for (let earlier = 0; earlier < later; earlier++) {
        const from = HAPPY_PATH[later];
        const to = HAPPY_PATH[earlier];
        if (from !== undefined && to !== undefined)
          expect(canTransition(from, to), `${from}→${to}`).toBe(false);
      }
    }
  });

  it('cancels only before the file exists', () => {
    expect(canTransition('requested', 'canceled')).toBe(true);
    expect(canTransition('starting', 'canceled')).toBe(true);
    expect(canTransition('processing', 'canceled')).toBe(false);
    expect(canTransition('uploading', 'canceled')).toBe(false);
  });

  it('throws a coded error for an illegal transition', () => {
    expect(() => assertTransition('uploaded', 'recording')).toThrow(IllegalTransitionError);
    expect(() => assertTransition('uploaded', 'recording')).toThrow(
      expect.objectContaining({ code: 'illegal_transition', from: 'uploaded', to: 'recording' }),
    );
    expect(() => assertTransition('requested', 'starting')).not.toThrow();
  });

  it('reopens only a failed upload, never another failure, and never through the table', () => {
    expect(canReopen({ status: 'failed', error: { code: 'upload_failed' } }, 'uploading')).toBe(
      true,
    );
    expect(canReopen({ status: 'failed', error: { code: 'egress_lost' } }, 'processing')).toBe(
      true,
    );
    expect(canReopen({ status: 'failed', error: { code: 'upload_failed' } }, 'processing')).toBe(
      false,
    );
    expect(canReopen({ status: 'failed', error: { code: 'file_incomplete' } }, 'uploading')).toBe(
      false,
    );
    expect(canReopen({ status: 'failed' }, 'uploading')).toBe(false);
    expect(canReopen({ status: 'uploaded' }, 'uploading')).toBe(false);
    expect(canTransition('failed', 'uploading')).toBe(false);
  });
});
