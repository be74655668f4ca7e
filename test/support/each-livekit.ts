import { describe, inject, it } from 'vitest';

export type LivekitKind = 'emulator' | 'real';

/**
 * Declares a suite once per LiveKit: our emulator, and the real livekit-server with Redis and
 * the egress worker. The real one is skipped where it is not built; the global set-up has then
 * printed why and how to build it.
 */
export function describeOnEachLivekit(name: string, body: (kind: LivekitKind) => void): void {
  describe(`${name} (emulated LiveKit)`, () => body('emulator'));
  describe.skipIf(!inject('realLivekit').available)(`${name} (real livekit-server)`, () =>
    body('real'),
  );
}

/** `describe`, skipped (the global set-up says why) where the real server is not built. */
export const describeOnRealLivekit = (name: string, body: () => void): void => {
  describe.skipIf(!inject('realLivekit').available)(`${name} (real livekit-server)`, body);
};

/**
 * `it` where the product already does the right thing; on the real server, a behaviour the
 * product gets wrong today is `it.fails` naming the issue that fixes it, so the suite shows
 * the defect and turns red the day it is fixed without the test being turned back.
 */
export function itUnlessFailsOn(
  kind: LivekitKind,
  failsOn: readonly LivekitKind[],
  issue: number,
): (name: string, body: () => Promise<void>, timeout?: number) => void {
  if (!failsOn.includes(kind)) return (name, body, timeout) => it(name, body, timeout);
  return (name, body, timeout) => it.fails(`${name} [fails until issue ${issue}]`, body, timeout);
}
