import type { TestProject } from 'vitest/node';
import { startLocalServers } from '../emulators/harness/local-servers.js';
import { realLivekitAvailability } from '../emulators/livekit-server/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    authEmulatorHost: string;
    firebaseProjectId: string;
    /** FIREBASE_*_EMULATOR_HOST and friends, set in every test worker. */
    localServerEnv: Record<string, string>;
    /**
     * False when some server was already running (under `firebase emulators:exec`): tests that
     * need our servers' fault switches or protocol details skip themselves then.
     */
    localServersAreOurs: boolean;
    /** Whether the real livekit-server suites run here; if not, why (printed once). */
    realLivekit: { available: boolean; reason: string };
  }
}

/**
 * Starts the servers the suite needs, on loopback and free ports. Under
 * `firebase emulators:exec` the emulator variables are already set and those servers are used.
 */
export default async function setup(project: TestProject) {
  const projectId = process.env.GCLOUD_PROJECT ?? 'demo-recorder-test';
  const servers = await startLocalServers({ projectId });
  project.provide('authEmulatorHost', servers.env.FIREBASE_AUTH_EMULATOR_HOST ?? '');
  project.provide('firebaseProjectId', projectId);
  project.provide('localServerEnv', { ...servers.env });
  project.provide('localServersAreOurs', servers.found.length === 0);
  const real = await realLivekitAvailability();
  project.provide('realLivekit', {
    available: real.available,
    reason: real.available ? '' : real.reason,
  });
  if (!real.available) {
    process.stdout.write(`real-server suites skipped: ${real.reason}\n`);
  }
  return async () => {
    await servers.stop();
  };
}
