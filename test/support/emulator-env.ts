import { inject } from 'vitest';

// The Admin SDK reads these itself; setting them is all it takes to talk to the local servers.
process.env.FIREBASE_AUTH_EMULATOR_HOST = inject('authEmulatorHost');
process.env.GCLOUD_PROJECT = inject('firebaseProjectId');
