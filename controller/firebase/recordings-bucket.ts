import type { App } from 'firebase-admin/app';
import { getStorage } from 'firebase-admin/storage';
import type { Bucket, BucketOnDemand } from '../upload/storage-types.js';

/**
 * The bucket recordings go to, made on first use: firebase-admin's `getStorage` requires
 * `@google-cloud/storage` (with gaxios and google-auth-library, ~6 MB of live heap and ~20 MB
 * of RSS once loaded), which a controller that has uploaded nothing does not need. A broken
 * Storage setup then shows in the first readiness check or upload, each of which reports it.
 */
export function recordingsBucket(firebase: App, name: string): BucketOnDemand {
  let bucket: Bucket | undefined;
  return () => {
    bucket ??= getStorage(firebase).bucket(name);
    return bucket;
  };
}
