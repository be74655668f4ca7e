import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase-admin/app';
import { type Database, getDatabase } from 'firebase-admin/database';
import { expect, inject } from 'vitest';
import { RECORDING_STATUSES } from '../../common/recording/recording-status.js';
import type { StorageEmulator } from '../../emulators/storage/index.js';
import { sha256, sha256OfFile } from '../file-pipeline/file-pipeline-support.js';
import type { RecordingStack } from '../support/recording-stack.js';

/** The controller's bucket, as `validEnv` names it. */
export const controllerBucket = () => `${inject('firebaseProjectId')}.firebasestorage.app`;

/** The database with rules bypassed, as an operator reads it (queue entries, locks). */
export function adminDatabase(stack: RecordingStack): { db: Database; close(): Promise<void> } {
  const app = initializeApp(
    { databaseURL: stack.databaseUrl, projectId: inject('firebaseProjectId') },
    `admin-${randomBytes(4).toString('hex')}`,
  );
  return { db: getDatabase(app), close: () => deleteApp(app) };
}

export interface RecordingRefs {
  readonly roomKey: string;
  readonly recordingId: string;
}

const ORDER = RECORDING_STATUSES.filter((status) => status !== 'failed' && status !== 'canceled');

/** Statuses seen only move forward: none repeats, none goes back, a final one ends the list. */
export function expectForwardOnly(statuses: readonly string[]): void {
  expect(new Set(statuses).size, `statuses seen: ${statuses.join(' → ')}`).toBe(statuses.length);
  const ranks = statuses.map((status) =>
    status === 'failed' || status === 'canceled'
      ? Number.POSITIVE_INFINITY
      : ORDER.indexOf(status as (typeof ORDER)[number]),
  );
  for (let index = 1; index < ranks.length; index++) {
    expect(ranks[index], `statuses seen: ${statuses.join(' → ')}`).toBeGreaterThan(
      ranks[index - 1] ?? -1,
    );
  }
}

/**
 * What every recording must look like once it is over, whatever broke on the way (issue 14):
 * a final status (a failure with a stable code), its room lock released, no command left in the
 * queue, exactly one egress ever started for it, and every file in its room's directory either
 * stored with equal bytes or kept beside a visible failure.
 */
export async function expectNothingLost(
  stack: RecordingStack,
  storage: StorageEmulator,
  db: Database,
  ref: RecordingRefs,
  options: { readonly expectStatus?: 'uploaded' } = {},
): Promise<Record<string, unknown>> {
  const recordPath = `recordings/${ref.roomKey}/${ref.recordingId}`;
  const record = (await db.ref(recordPath).get()).val() as Record<string, unknown>;
  expect(['uploaded', 'failed', 'canceled']).toContain(record.status);
  if (record.status === 'failed') {
    expect(record.error).toMatchObject({ code: expect.stringMatching(/^[a-z_]+$/) });
  }
  if (options.expectStatus !== undefined) {
    expect(record.status, JSON.stringify(record.error)).toBe(options.expectStatus);
  }
  await expect
    .poll(async () => (await db.ref(`rooms/${ref.roomKey}/activeRecording`).get()).val())
    .toBeNull();
  await expect
    .poll(async () => {
      const queue = ((await db.ref('recordingQueue').get()).val() ?? {}) as Record<string, unknown>;
      return Object.keys(queue).filter((key) => key.startsWith(`${ref.recordingId}_`));
    })
    .toEqual([]);
  const egresses = await stack.egressClient().listEgress({ roomName: ref.roomKey });
  expect(egresses.length).toBeLessThanOrEqual(1);
  await expectFilesStoredOrKept(stack, storage, db, ref.roomKey);
  return record;
}

/** Every MP4 in the room's directory: an object with the same bytes, or a failed record. */
export async function expectFilesStoredOrKept(
  stack: RecordingStack,
  storage: StorageEmulator,
  db: Database,
  roomKey: string,
): Promise<void> {
  const dir = join(stack.outputDir, roomKey);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((candidate) => candidate.endsWith('.mp4'))) {
    const recordingId = name.slice(0, -'.mp4'.length);
    const record = (await db.ref(`recordings/${roomKey}/${recordingId}`).get()).val() as {
      status?: string;
      error?: { code?: string };
    } | null;
    if (record?.status === 'uploaded') {
      const stored = await storage.readObject(
        controllerBucket(),
        `recordings/${roomKey}/${recordingId}.mp4`,
      );
      expect(sha256(stored), `${name} and its object differ`).toBe(
        await sha256OfFile(join(dir, name)),
      );
    } else {
      expect(record?.status, `${name} has neither an object nor a failure`).toBe('failed');
      expect(record?.error?.code).toEqual(expect.any(String));
    }
  }
}
