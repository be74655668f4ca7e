import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { serviceAccountEnv } from './stack-wiring.js';

export const randomSecret = (prefix: string) =>
  `${prefix}-${randomBytes(18).toString('base64url')}`;

/** A complete, valid controller environment with fresh random secrets, as .env.livekit holds it. */
export function validEnv(
  overrides: Record<string, string | undefined> = {},
): Record<string, string | undefined> {
  const projectId = inject('firebaseProjectId');
  return {
    LIVEKIT_API_KEY: randomSecret('APIkey'),
    LIVEKIT_API_SECRET: randomSecret('api-secret'),
    LIVEKIT_HOST: 'https://livekit.example.com',
    LIVEKIT_CONTROL_API_KEY: randomSecret('control-key'),
    ...serviceAccountEnv(projectId),
    FIREBASE_DATABASE_URL: `https://${projectId}-default-rtdb.firebaseio.com`,
    RECORDING_OUTPUT_DIR: mkdtempSync(join(tmpdir(), 'recordings-')),
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}
