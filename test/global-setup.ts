import type { TestProject } from 'vitest/node';
import { type AuthEmulator, startAuthEmulator } from '../emulators/harness/auth-emulator.js';

declare module 'vitest' {
  export interface ProvidedContext {
    authEmulatorHost: string;
    firebaseProjectId: string;
  }
}

/**
 * Starts the servers the suite needs, on loopback and free ports. Under
 * `firebase emulators:exec` the emulator variables are already set and those servers are used.
 */
export default async function setup(project: TestProject) {
  const projectId = process.env.GCLOUD_PROJECT ?? 'demo-recorder-test';
  let auth: AuthEmulator | undefined;
  const existing = process.env.FIREBASE_AUTH_EMULATOR_HOST;
  if (existing === undefined || existing === '') auth = await startAuthEmulator(projectId);
  project.provide('authEmulatorHost', auth?.host ?? existing ?? '');
  project.provide('firebaseProjectId', projectId);
  return async () => {
    await auth?.stop();
  };
}
