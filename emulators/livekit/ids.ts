import { randomInt } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** An id the way livekit's `guid.New(prefix)` makes them: a prefix and 12 base62 characters. */
export type SidPrefix = 'RM_' | 'PA_' | 'TR_' | 'EG_' | 'EV_';

export function newSid(prefix: SidPrefix): string {
  let id = prefix;
  for (let i = 0; i < 12; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

/** Unix time in nanoseconds, the unit of every EgressInfo and FileInfo time. */
export const msToNs = (ms: number): bigint => BigInt(Math.round(ms)) * 1_000_000n;
