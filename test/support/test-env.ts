import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

let privateKeyPem: string | undefined;

/** A service-account key made at test time, never a real one. */
export function testPrivateKey(): string {
  privateKeyPem ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return privateKeyPem;
}

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
    FIREBASE_PROJECT_ID: projectId,
    FIREBASE_CLIENT_EMAIL: `controller@${projectId}.iam.gserviceaccount.com`,
    // Written as an env file holds it: newlines as the two characters \n.
    FIREBASE_PRIVATE_KEY: testPrivateKey().replaceAll('\n', '\\n'),
    FIREBASE_DATABASE_URL: `https://${projectId}-default-rtdb.firebaseio.com`,
    FIREBASE_STORAGE_BUCKET: `${projectId}.firebasestorage.app`,
    RECORDING_OUTPUT_DIR: mkdtempSync(join(tmpdir(), 'recordings-')),
    LOG_LEVEL: 'silent',
    ...overrides,
  };
}
