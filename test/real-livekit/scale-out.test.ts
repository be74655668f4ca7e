import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'firebase-admin/database';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { storageObjectName } from '../../common/recording/recording-paths.js';
import {
  FAST_FILES,
  hasStatus,
  isSettled,
  sha256,
  sha256OfFile,
} from '../file-pipeline/file-pipeline-support.js';
import {
  adminDatabase,
  controllerBucket,
  expectForwardOnly,
} from '../reliability/recording-guarantees.js';
import { describeOnRealLivekit } from '../support/each-livekit.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';

/**
 * Scale-out as users run it: two VMs, each with a livekit-server node, an egress worker writing
 * to its own volume and a controller reading that volume, all on one Redis and one database.
 * The real server sends each start to whichever worker claims it, so a recording's file may be
 * on the other VM than the controller that started it; it must still be uploaded exactly
 * once, by the controller that holds the file.
 */
const VMS = 2;
const ROOMS = 20;
/** The path the egress containers see their volume at, the same on every VM. */
const VOLUME = '/recordings';

describeOnRealLivekit('two VMs on one Redis', () => {
  const storage = useOwnStorageEmulator();
  let stack: RecordingStack;
  let admin: { db: Database; close(): Promise<void> };
  const roots: string[] = [];
  const controllers: RunningController[] = [];

  beforeAll(async () => {
    for (let vm = 0; vm < VMS; vm++) {
      const root = await mkdtemp(join(tmpdir(), `vm${vm}-`));
      await mkdir(join(root, VOLUME), { recursive: true });
      roots.push(root);
    }
    stack = await RecordingStack.start({
      real: { nodes: VMS, workers: VMS, worker: (vm) => ({ root: roots[vm] ?? '/' }) },
      // A controller that gets a recording's end but not its file must leave it to the one
      // that holds the file (production waits 10 min before file_missing), not fail it at once.
      files: { ...FAST_FILES, missingFileAfterMs: 30_000 },
    });
    admin = adminDatabase(stack);
    for (let vm = 0; vm < VMS; vm++) {
      const node = stack.real.nodes[vm];
      if (node === undefined) throw new Error(`no node ${vm}`);
      const controller = await stack.startController({
        LIVEKIT_URL: node.url,
        RECORDING_OUTPUT_DIR: join(roots[vm] ?? '', VOLUME),
        EGRESS_OUTPUT_DIR: VOLUME,
      });
      controllers.push(controller);
    }
    // Each VM's node sends its webhooks to the controller beside it.
    for (const [vm, controller] of controllers.entries()) {
      stack.real.nodes[vm]?.webhooks.setTarget(`${controller.base}/webhooks/livekit`);
    }
  }, 120_000);

  afterAll(async () => {
    await admin?.close();
    await stack?.stop();
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it(`uploads each of ${ROOMS} recordings exactly once, by the controller holding its file`, async () => {
    const rooms = await Promise.all(
      Array.from({ length: ROOMS }, () => stack.publisherInNewRoom()),
    );
    const started = await Promise.all(
      rooms.map(async ({ roomUrl, roomKey, alice }) => {
        const recordingId = alice.nextRecordingId();
        const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
        await seen.ready;
        await alice.start(roomUrl, { recordingId });
        await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('recording'), 60_000);
        return { roomUrl, roomKey, recordingId, alice, seen };
      }),
    );
    const settled = await Promise.all(
      started.map(async ({ roomUrl, roomKey, recordingId, alice, seen }) => {
        await alice.stop(roomUrl, recordingId);
        const record = await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled, 90_000);
        seen.stop();
        return { roomKey, recordingId, record, statuses: seen.statuses };
      }),
    );

    const uploadsBy = (recordingId: string) =>
      controllers.flatMap((controller, vm) =>
        controller.log
          .entries()
          .filter((e) => e.msg === 'recording file uploaded' && e.recordingId === recordingId)
          .map(() => vm),
      );
    const vmsUsed = new Set<number>();
    for (const { roomKey, recordingId, record, statuses } of settled) {
      expect(record.status, JSON.stringify(record.error)).toBe('uploaded');
      expectForwardOnly(statuses);
      const holders = roots
        .map((root, vm) => ({ vm, path: join(root, VOLUME, roomKey, `${recordingId}.mp4`) }))
        .filter(({ path }) => existsSync(path));
      expect(holders).toHaveLength(1);
      const [holder] = holders;
      if (holder === undefined) continue;
      vmsUsed.add(holder.vm);
      // The controller logs the upload after its `uploaded` write, which a client may see first.
      await expect.poll(() => uploadsBy(recordingId)).toEqual([holder.vm]);
      const stored = await storage().emulator.readObject(
        controllerBucket(),
        storageObjectName(roomKey, recordingId),
      );
      expect(sha256(stored)).toBe(await sha256OfFile(holder.path));
    }
    // The work really was spread: both VMs' workers recorded.
    expect([...vmsUsed].sort()).toEqual([0, 1]);
    await expect
      .poll(async () => (await admin.db.ref('rooms').get()).val(), { timeout: 30_000 })
      .toSatisfy((rooms: Record<string, { activeRecording?: unknown }> | null) =>
        Object.values(rooms ?? {}).every((room) => room.activeRecording === undefined),
      );
  }, 300_000);
});
