import type { Database } from 'firebase-admin/database';
import { EgressStatus } from 'livekit-server-sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAST_FILES, hasStatus, isSettled } from '../file-pipeline/file-pipeline-support.js';
import {
  adminDatabase,
  expectForwardOnly,
  expectNothingLost,
} from '../reliability/recording-guarantees.js';
import { describeOnRealLivekit } from '../support/each-livekit.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack } from '../support/recording-stack.js';

/**
 * The whole recording on the real livekit-server: a participant's start command, the real
 * server dispatching to the egress worker over Redis, its own webhooks, signed by it, its
 * ListEgress answers, the file uploaded with its bytes.
 */
describeOnRealLivekit('a recording on the real server', () => {
  const storage = useOwnStorageEmulator();
  let stack: RecordingStack;
  let admin: { db: Database; close(): Promise<void> };

  beforeAll(async () => {
    stack = await RecordingStack.start({ real: true, files: FAST_FILES });
    admin = adminDatabase(stack);
    await stack.startController();
  });

  afterAll(async () => {
    await admin?.close();
    await stack?.stop();
  });

  /** Records in a fresh room, stops once recording, and waits for a final status. */
  async function recordAndStop() {
    const { roomUrl, roomKey, alice } = await stack.publisherInNewRoom();
    const recordingId = alice.nextRecordingId();
    const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
    await seen.ready;
    await alice.start(roomUrl, { recordingId });
    const recording = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('recording'),
    );
    await alice.stop(roomUrl, recordingId);
    await stack.waitForRecord(alice.db, roomKey, recordingId, isSettled, 60_000);
    seen.stop();
    return { roomKey, recordingId, recording, statuses: seen.statuses };
  }

  /** Uploaded, by forward steps only, with its object's bytes those of its file. */
  async function expectUploadedIntact(recorded: Awaited<ReturnType<typeof recordAndStop>>) {
    const { roomKey, recordingId, statuses } = recorded;
    expect(statuses.at(-1)).toBe('uploaded');
    expectForwardOnly(statuses);
    await expectNothingLost(
      stack,
      storage().emulator,
      admin.db,
      { roomKey, recordingId },
      {
        expectStatus: 'uploaded',
      },
    );
  }

  it('goes from the start command to uploaded, with the bytes egress wrote', async () => {
    const recorded = await recordAndStop();
    const { recording, statuses } = recorded;
    expect(recording.egressId).toMatch(/^EG_/);
    expect(statuses.slice(0, 3)).toEqual(['requested', 'starting', 'recording']);
    await expectUploadedIntact(recorded);
    // The real server's own store saw it through, from its worker's reports.
    const [egress] = await stack
      .egressClient()
      .listEgress({ egressId: String(recording.egressId) });
    expect(egress?.status).toBe(EgressStatus.EGRESS_COMPLETE);
    // Every webhook was the real server's, signed by it, and the controller took each.
    const ours = stack.real.webhooks.seen.filter(
      (webhook) => webhook.egressId === recording.egressId,
    );
    expect(ours.map((webhook) => webhook.event)).toContain('egress_ended');
    expect(ours.every((webhook) => webhook.answeredWith === 200)).toBe(true);
  });

  it.each([
    ['uploads once when every webhook arrives twice', 'duplicate'],
    ['finishes from reconciliation alone when no webhook arrives', 'drop'],
  ] as const)('%s', async (_name, kind) => {
    stack.real.webhooks.addFault({ kind, times: 1_000 });
    try {
      await expectUploadedIntact(await recordAndStop());
    } finally {
      stack.real.webhooks.clearFaults();
    }
  });
});
