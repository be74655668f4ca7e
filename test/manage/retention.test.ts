import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingPath, storageObjectName } from '../../common/recording/recording-paths.js';
import { recordingFile } from '../file-pipeline/file-pipeline-support.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import { type AdminView, adminView, traces } from './manage-support.js';

const DAY_MS = 24 * 3600 * 1000;
/** The time the test starts at; the controllers' clock is moved from here, never waited for. */
const T0 = Date.now();
let now = T0;
const clock = () => now;

let stack: RecordingStack;
let controller: RunningController;
let admin: AdminView;

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController({ RECORDING_RETENTION_DAYS: '30' }, undefined, clock);
  admin = adminView(controller);
});

afterAll(async () => {
  await admin?.close();
  await stack?.stop();
});

interface Seeded {
  readonly name: string;
  readonly roomKey: string;
  readonly recordingId: string;
}

/** A record of `ageDays` (by requestedAt at T0); an uploaded one also gets its object and file. */
async function seed(name: string, status: string, ageDays: number): Promise<Seeded> {
  const { roomUrl, roomKey } = RecordingStack.room();
  const recordingId = admin.db.ref('recordings').push().key ?? '';
  const uploaded = status === 'uploaded';
  await admin.db.ref(recordingPath(roomKey, recordingId)).set({
    roomUrl,
    requestedBy: 'alice',
    requestedAt: T0 - ageDays * DAY_MS,
    status,
    ...(uploaded ? { storagePath: storageObjectName(roomKey, recordingId), sizeBytes: 4 } : {}),
  });
  if (uploaded) {
    await admin.bucket.file(storageObjectName(roomKey, recordingId)).save(Buffer.from('mp4!'));
    const file = recordingFile(stack, roomKey, recordingId);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, 'mp4!');
    await writeFile(file.replace(/\.mp4$/, '.upload.json'), '{}');
  }
  return { name, roomKey, recordingId };
}

const namesOf = (refs: readonly { recordingId: string }[], seeded: readonly Seeded[]) =>
  refs
    .map((ref) => seeded.find((item) => item.recordingId === ref.recordingId)?.name ?? 'other')
    .sort();

describe('the retention sweep', () => {
  let seeded: Seeded[];

  beforeAll(async () => {
    seeded = [
      await seed('uploaded-10d', 'uploaded', 10),
      await seed('failed-20d', 'failed', 20),
      await seed('uploaded-1d', 'uploaded', 1),
      await seed('recording-25d', 'recording', 25),
    ];
    // More rooms than one page of the sweep's room query holds.
    for (let index = 0; index < 22; index++)
      seeded.push(await seed(`canceled-12d-${index}`, 'canceled', 12));
  });

  it('deletes exactly the finished recordings older than RECORDING_RETENTION_DAYS as time passes', async () => {
    const retention = controller.controller.retention;
    if (retention === undefined) throw new Error('retention is configured');
    expect((await retention.sweep()).expired).toEqual([]);

    now = T0 + 15 * DAY_MS; // cutoff: 20 days old and more
    const first = await retention.sweep();
    expect(namesOf(first.expired, seeded)).toEqual(['failed-20d']);
    expect(namesOf(first.active, seeded)).toEqual(['recording-25d']);

    now = T0 + 25 * DAY_MS; // cutoff: 5 days old and more
    const second = await retention.sweep();
    const canceled = seeded
      .filter((item) => item.name.startsWith('canceled'))
      .map((item) => item.name);
    expect(namesOf(second.expired, seeded)).toEqual([...canceled, 'uploaded-10d'].sort());
    expect(second.failed).toEqual([]);

    const byName = (name: string) => seeded.find((item) => item.name === name) as Seeded;
    const gone = byName('uploaded-10d');
    expect(await traces(stack, admin, gone.roomKey, gone.recordingId)).toEqual({
      record: false,
      object: false,
      file: false,
      sidecar: false,
    });
    const young = byName('uploaded-1d');
    expect(await traces(stack, admin, young.roomKey, young.recordingId)).toEqual({
      record: true,
      object: true,
      file: true,
      sidecar: true,
    });
    const active = byName('recording-25d');
    expect(
      (await admin.db.ref(recordingPath(active.roomKey, active.recordingId)).get()).exists(),
    ).toBe(true);
    expect(controller.log.text).toContain(`"recordingId":"${gone.recordingId}"`);
    expect(controller.log.text).toContain('retention deleted this recording');
  });

  it('reports what would go and deletes nothing in dry-run mode', async () => {
    const young = seeded.find((item) => item.name === 'uploaded-1d') as Seeded;
    const later = T0 + 40 * DAY_MS;
    const dryRun = await stack.startController(
      { RECORDING_RETENTION_DAYS: '30', RECORDING_RETENTION_DRY_RUN: 'true' },
      undefined,
      () => later,
    );
    const report = await dryRun.controller.retention?.sweep();
    expect(report?.dryRun).toBe(true);
    expect(namesOf(report?.expired ?? [], seeded)).toEqual(['uploaded-1d']);
    expect(await traces(stack, admin, young.roomKey, young.recordingId)).toEqual({
      record: true,
      object: true,
      file: true,
      sidecar: true,
    });
    expect(existsSync(recordingFile(stack, young.roomKey, young.recordingId))).toBe(true);
    expect(dryRun.log.text).toContain('retention would delete this recording (dry run)');
    await dryRun.stop();
  });
});
