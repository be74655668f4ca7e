import type { Storage } from 'firebase-admin/storage';

// firebase-admin's types come from the CommonJS build of @google-cloud/storage; name them
// through it so both builds' declarations never meet.
export type Bucket = ReturnType<Storage['bucket']>;
export type StorageFile = ReturnType<Bucket['file']>;
