import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectStoredAsOnDisk,
  FAST_FILES,
  hasStatus,
  isFinal,
} from '../file-pipeline/file-pipeline-support.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { RecordingStack } from '../support/recording-stack.js';

/**
 * The egress faults the real server shows (emulators/livekit/README.md, "Learnt from the real
 * server"), played by the emulator's switches: what the product does with each. The same
 * behaviours run on the real livekit-server in test/real-livekit/egress-faults.test.ts.
 */
const SETTLE_MS = 30_000;

describe('egress faults as the real server shows them, on the emulator', () => {
  const storage = useOwnStorageEmulator();
  let stack: RecordingStack;

  beforeAll(async () => {
    stack = await RecordingStack.start({ files: FAST_FILES, env: { EGRESS_STOP_TIMEOUT_S: '3' } });
    await stack.startController();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const egressControls = () => stack.livekit.controls.egress;
  /** A recording under way in a room of its own, with the id of its egress. */
  const recordingWithEgress = async (options?: { audioOnly: true }) => {
    const started = await stack.recordingInNewRoom(options);
    return { ...started, egressId: String(started.record.egressId) };
  };
  const lockReleased = (roomKey: string, db: Parameters<typeof stack.waitForLock>[0]) =>
    stack.waitForLock(db, roomKey, (lock) => lock === null, SETTLE_MS);

  it('ends a recording whose worker was killed with egress_lost, after its stop deadline', async () => {
    const { roomUrl, roomKey, recordingId, alice, egressId } = await recordingWithEgress();
    egressControls().kill(egressId, { stopAnswerAfterMs: 1_000 });
    await alice.stop(roomUrl, recordingId);
    const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'egress_lost' });
    await lockReleased(roomKey, alice.db);
  });

  it('uploads the complete file of an egress shut down mid-recording, keeping why', async () => {
    const { roomKey, recordingId, alice, egressId } = await recordingWithEgress();
    egressControls().shutDown(egressId);
    const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
    expect(ended.status).toBe('uploaded');
    expect(String(ended.egressError)).toContain('shutting down');
    expect(ended.error).toBeUndefined();
    await expectStoredAsOnDisk(storage().emulator, stack, roomKey, recordingId);
    await lockReleased(roomKey, alice.db);
  });

  it('uploads the complete file of an audio-only egress whose room connection failed', async () => {
    const { roomKey, recordingId, alice, egressId } = await recordingWithEgress({
      audioOnly: true,
    });
    egressControls().loseRoomConnection(egressId);
    const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
    expect(ended.status).toBe('uploaded');
    expect(String(ended.egressError)).toContain('connection to room failed');
    await lockReleased(roomKey, alice.db);
  });

  it('ends a recording whose egress LiveKit forgot and whose worker is gone with egress_lost', async () => {
    const { roomKey, recordingId, alice, egressId } = await recordingWithEgress();
    egressControls().kill(egressId);
    egressControls().forget(egressId);
    // Nobody stops it: the reconciler finds the egress gone on its own.
    const ended = await stack.waitForRecord(alice.db, roomKey, recordingId, isFinal, SETTLE_MS);
    expect(ended.status).toBe('failed');
    expect(ended.error).toMatchObject({ code: 'egress_lost' });
    await lockReleased(roomKey, alice.db);
  });

  it('uploads the file of a forgotten egress whose worker recorded on and finished it', async () => {
    const { roomUrl, roomKey, recordingId, alice, egressId } = await recordingWithEgress();
    egressControls().forget(egressId);
    await alice.stop(roomUrl, recordingId);
    // LiveKit cannot stop what it forgot; the record is lost until the worker's own end comes.
    await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('failed'), SETTLE_MS);
    stack.livekit.controls.rooms.close(roomKey);
    const ended = await stack.waitForRecord(
      alice.db,
      roomKey,
      recordingId,
      hasStatus('uploaded'),
      SETTLE_MS,
    );
    expect(ended.error).toBeUndefined();
    await expectStoredAsOnDisk(storage().emulator, stack, roomKey, recordingId);
  });
});
