import type { Storage } from 'firebase-admin/storage';

// firebase-admin's types come from the CommonJS build of @google-cloud/storage; name them
// through it so both builds' declarations never meet.
export type Bucket = ReturnType<Storage['bucket']>;
export type StorageFile = ReturnType<Bucket['file']>;

/**
 * The recordings bucket, made on the first call and the same one after. Making it loads
 * `@google-cloud/storage`, the controller's largest dependency, which only uploads, deletions,
 * download links and the Storage readiness check use: an idle controller never loads it.
 */
export type BucketOnDemand = () => Bucket;
