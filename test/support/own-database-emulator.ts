import { afterAll, beforeAll } from 'vitest';
import { type RtdbEmulator, startRtdbEmulator } from '../../emulators/rtdb/index.js';

/**
 * A Realtime Database emulator of this test file's own, so that its fault switches (dropped
 * connections, write observers) touch no other file. The file's SDKs are pointed at it through
 * FIREBASE_DATABASE_EMULATOR_HOST, which `RecordingStack.start` and the Admin SDK read.
 */
export function useOwnDatabaseEmulator(): () => RtdbEmulator {
  let emulator: RtdbEmulator | undefined;
  const saved = process.env.FIREBASE_DATABASE_EMULATOR_HOST;
  beforeAll(async () => {
    emulator = await startRtdbEmulator();
    process.env.FIREBASE_DATABASE_EMULATOR_HOST = emulator.host;
  });
  afterAll(async () => {
    await emulator?.stop();
    // Assigning undefined to process.env stores the string "undefined".
    if (saved === undefined) delete process.env.FIREBASE_DATABASE_EMULATOR_HOST;
    else process.env.FIREBASE_DATABASE_EMULATOR_HOST = saved;
  });
  return () => {
    if (emulator === undefined) throw new Error('the database emulator starts in beforeAll');
    return emulator;
  };
}
