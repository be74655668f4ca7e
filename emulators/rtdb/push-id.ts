import { randomInt } from 'node:crypto';

const PUSH_CHARS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/** A push key as the SDK makes them: 8 chars of time, 12 random, sorting in creation order. */
export function generatePushId(now: number): string {
  let time = now;
  let id = '';
  for (let i = 0; i < 8; i++) {
    id = PUSH_CHARS.charAt(time % 64) + id;
    time = Math.floor(time / 64);
  }
  for (let i = 0; i < 12; i++) id += PUSH_CHARS.charAt(randomInt(64));
  return id;
}
