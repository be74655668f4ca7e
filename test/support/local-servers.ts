import { describe, inject } from 'vitest';

const SKIP_REASON =
  'skipped: the local servers are not ours (FIREBASE_*_EMULATOR_HOST was set, e.g. by firebase emulators:exec), so fault switches and stand-in-only behaviour are unavailable';

/** Why tests that need our own servers cannot run, or undefined when they can. */
export const notOurServersReason: string | undefined = inject('localServersAreOurs')
  ? undefined
  : SKIP_REASON;

/**
 * A `describe` for tests that need our stand-ins' fault switches or behaviour the real Firebase
 * emulators lack; under `firebase emulators:exec` it is skipped, with the reason in its title.
 */
export function describeWithOurServers(name: string, body: () => void): void {
  if (notOurServersReason === undefined) {
    describe(name, body);
    return;
  }
  // The default reporter shows only skip counts; this line says why, next to the file's name.
  process.stderr.write(`"${name}" ${notOurServersReason}\n`);
  describe.skip(`${name} (${notOurServersReason})`, body);
}
