import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { type Database, getDatabase } from 'firebase-admin/database';
import { pino } from 'pino';
import { expect, inject } from 'vitest';
import { storageObjectName } from '../../common/recording/recording-paths.js';
import type { FilePipelineSettings } from '../../controller/controller.js';
import { RecordingStore } from '../../controller/records/recording-store.js';
import type { StorageEmulator } from '../../emulators/storage/index.js';
import { type Participant, RecordingStack } from '../support/recording-stack.js';
import { writeSyntheticMp4 } from './synthetic-mp4.js';

/** Short waits so that a test sees every step within its timeout. */
export const FAST_FILES: Partial<FilePipelineSettings> = {
  enabled: true,
  watch: true,
  settleMs: 400,
  progressIntervalMs: 200,
  reopenAfterMs: 0,
  missingFileAfterMs: 0,
  retry: { retries: 4, minTimeoutMs: 50, maxTimeoutMs: 200, stallTimeoutMs: 5_000 },
};

export const hasStatus = (status: string) => (record: Record<string, unknown>) =>
  record.status === status;

export const isSettled = (record: Record<string, unknown>) =>
  record.status === 'uploaded' || record.status === 'failed';

/** Uploaded, failed or canceled: a status the record will not leave on its own. */
export const isFinal = (record: Record<string, unknown>) =>
  isSettled(record) || record.status === 'canceled';

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The SHA-256 of a recording's object in the controller's bucket (as validEnv names it). */
export const storedSha256 = async (
  storage: StorageEmulator,
  roomKey: string,
  recordingId: string,
): Promise<string> =>
  sha256(
    await storage.readObject(
      `${inject('firebaseProjectId')}.firebasestorage.app`,
      storageObjectName(roomKey, recordingId),
    ),
  );

export const recordingFile = (stack: RecordingStack, roomKey: string, recordingId: string) =>
  join(stack.outputDir, roomKey, `${recordingId}.mp4`);

/** The recording's object in Storage holds exactly the bytes of its file on disk. */
export async function expectStoredAsOnDisk(
  storage: StorageEmulator,
  stack: RecordingStack,
  roomKey: string,
  recordingId: string,
): Promise<void> {
  expect(await storedSha256(storage, roomKey, recordingId)).toBe(
    await sha256OfFile(recordingFile(stack, roomKey, recordingId)),
  );
}

/** Starts a recording in a fresh room with `alice` publishing, and stops it once it records. */
export async function recordBriefly(
  stack: RecordingStack,
  options: { readonly beforeStop?: () => void } = {},
): Promise<{ roomKey: string; recordingId: string; alice: Participant }> {
  const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom();
  options.beforeStop?.();
  await alice.stop(roomUrl, recordingId);
  return { roomKey, recordingId, alice };
}

/** Longer than any test: a periodic directory scan that never comes within one. */
export const NO_SCAN: Partial<FilePipelineSettings> = { scanIntervalMs: 3_600_000 };

/** The pipeline's `recording file uploaded` log line: its `signal` says what found the file. */
export const uploadedLogLine = (
  entries: readonly Record<string, unknown>[],
  recordingId: string,
): Record<string, unknown> | undefined =>
  entries.find(
    (entry) => entry.msg === 'recording file uploaded' && entry.recordingId === recordingId,
  );

export interface FinishedRecording {
  readonly roomKey: string;
  readonly recordingId: string;
  /** Where its file is (written only when `fileBytes` was given). */
  readonly path: string;
  /** An admin view of the stack's database. */
  readonly db: Database;
  close(): Promise<void>;
}

/**
 * A record egress finished, moved to `processing` by the controller's own store (so its
 * pending-upload entry is there, as in production), and its file on disk unless `fileBytes` is
 * undefined: the state a controller crash leaves behind.
 */
export async function finishedRecording(
  stack: RecordingStack,
  fileBytes: number | undefined,
): Promise<FinishedRecording> {
  const { roomUrl, roomKey } = RecordingStack.room();
  const recordingId = `-${randomBytes(14).toString('base64url').slice(0, 19)}`;
  const app = initializeApp(
    { databaseURL: stack.databaseUrl, projectId: inject('firebaseProjectId') },
    `admin-${randomBytes(4).toString('hex')}`,
  );
  const db = getDatabase(app);
  const ref = { roomKey, recordingId };
  await db.ref(`recordings/${roomKey}/${recordingId}`).set({
    roomUrl,
    requestedBy: 'alice',
    requestedAt: Date.now(),
    status: 'stopping',
  });
  // Egress finishes the file before it reports the end: the file first, then processing.
  await mkdir(join(stack.outputDir, roomKey), { recursive: true });
  const path = join(stack.outputDir, roomKey, `${recordingId}.mp4`);
  if (fileBytes !== undefined) await writeSyntheticMp4(path, fileBytes);
  await new RecordingStore(db, pino({ level: 'silent' }), 'crashed-controller').transition(
    ref,
    'processing',
  );
  return { roomKey, recordingId, path, db, close: () => deleteApp(app) };
}

/** Resolves with the record once it has `status`, as an admin listener sees it. */
export function waitForStatus(
  recording: FinishedRecording,
  status: string,
  timeoutMs = 30_000,
): Promise<Record<string, unknown>> {
  const path = `recordings/${recording.roomKey}/${recording.recordingId}`;
  return new Promise((resolve, reject) => {
    const ref = recording.db.ref(path);
    let last: unknown;
    const timer = setTimeout(() => {
      ref.off('value', listener);
      reject(new Error(`${path} never became ${status}; last ${JSON.stringify(last)}`));
    }, timeoutMs);
    const listener = ref.on('value', (snapshot) => {
      const value = snapshot.val() as Record<string, unknown> | null;
      last = value;
      if (value?.status === status) {
        clearTimeout(timer);
        ref.off('value', listener);
        resolve(value);
      }
    });
  });
}
