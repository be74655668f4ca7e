import { describe, inject } from 'vitest';

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
