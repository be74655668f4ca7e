import { afterAll, beforeAll } from 'vitest';
import { type StorageEmulator, startStorageEmulator } from '../../emulators/storage/index.js';
import { adminBucket, type Bucket } from './storage-clients.js';

export interface OwnStorage {
  readonly emulator: StorageEmulator;
  readonly bucket: Bucket;
}

/**
 * A storage emulator of this test file's own, so its fault switches touch no other file, with
 * the file's Storage clients pointed at it (the SDKs read these variables, process-wide).
 */
export function useOwnStorageEmulator(): () => OwnStorage {
  let own: OwnStorage | undefined;
  let closeBucket: (() => Promise<void>) | undefined;
  const saved = {
    firebase: process.env.FIREBASE_STORAGE_EMULATOR_HOST,
    storage: process.env.STORAGE_EMULATOR_HOST,
  };
  beforeAll(async () => {
    const emulator = await startStorageEmulator();
    process.env.FIREBASE_STORAGE_EMULATOR_HOST = emulator.host;
    process.env.STORAGE_EMULATOR_HOST = `http://${emulator.host}`;
    const { bucket, close } = adminBucket();
    closeBucket = close;
    own = { emulator, bucket };
  });
  afterAll(async () => {
    await closeBucket?.();
    await own?.emulator.stop();
    restoreVariable('FIREBASE_STORAGE_EMULATOR_HOST', saved.firebase);
    restoreVariable('STORAGE_EMULATOR_HOST', saved.storage);
  });
  return () => {
    if (own === undefined) throw new Error('the storage emulator starts in beforeAll');
    return own;
  };
}

// Assigning undefined to process.env stores the string "undefined".
function restoreVariable(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
