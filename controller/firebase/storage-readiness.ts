import type { ReadinessCheck } from '../http/health.js';

/** The one call of a Storage bucket this needs (firebase-admin's bucket has it). */
export interface BucketProbe {
  readonly name: string;
  exists(): Promise<[boolean]>;
}

/**
 * Ready while the recordings bucket answers and exists. `bucket` is asked at each check, so a
 * bucket made on first use (`recordings-bucket.ts`) is made by the first check, and an error
 * making it fails the check.
 */
export function storageReachable(bucket: () => BucketProbe): ReadinessCheck {
  return async () => {
    const probe = bucket();
    const [exists] = await probe.exists();
    if (!exists) throw new Error(`bucket ${probe.name} does not exist`);
  };
}
