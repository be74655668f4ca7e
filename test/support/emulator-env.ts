import { inject } from 'vitest';

// The Admin SDK reads these itself; setting them is all it takes to talk to the local servers.
Object.assign(process.env, inject('localServerEnv'));
process.env.GCLOUD_PROJECT = inject('firebaseProjectId');
