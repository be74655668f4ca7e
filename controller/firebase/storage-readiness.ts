import type { ReadinessCheck } from '../http/health.js';

/** The one call of a Storage bucket this needs (firebase-admin's bucket has it). */
export interface BucketProbe {
  readonly name: string;
  exists(): Promise<[boolean]>;
}

/** Ready while the recordings bucket answers and exists. */
export function storageReachable(bucket: BucketProbe): ReadinessCheck {
  return async () => {
    const [exists] = await bucket.exists();
    if (!exists) throw new Error(`bucket ${bucket.name} does not exist`);
  };
}
