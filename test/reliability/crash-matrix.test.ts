import { randomBytes } from 'node:crypto';
import type { Database } from 'firebase-admin/database';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../emulators/harness/free-port.js';
import type { AppliedChange } from '../../emulators/rtdb/index.js';
import { FAST_FILES, isSettled } from '../file-pipeline/file-pipeline-support.js';
import {
  ChildProcesses,
  type ObservedProcess,
  spawnControllerFromSource,
} from '../support/controller-process.js';
import { useOwnDatabaseEmulator } from '../support/own-database-emulator.js';
import { useOwnStorageEmulator } from '../support/own-storage-emulator.js';
import { type Participant, RecordingStack } from '../support/recording-stack.js';
import { adminDatabase, expectForwardOnly, expectNothingLost } from './recording-guarantees.js';
import { expectNoSecretsIn } from './secret-scan.js';

/**
 * The crash matrix (issue 14): the controller, a process of its own, is SIGKILLed at the exact
 * moment the database applies one of its writes (before the controller hears back), then
 * restarted with the same CONTROLLER_ID, as a supervisor restarts it. Whatever the point, the
 * recording ends uploaded with its bytes, its lock released and no command run twice.
 * The mid-upload case with bytes already sent is test/file-pipeline/restart-resume.test.ts.
 */

const database = useOwnDatabaseEmulator();
const storage = useOwnStorageEmulator();
const children = new ChildProcesses();
let stack: RecordingStack;
let admin: { db: Database; close(): Promise<void> };
/** Every controller process's output and the secrets it was given, for the leak check. */
const outputs: { readonly process: ObservedProcess; readonly secrets: string[] }[] = [];

beforeAll(async () => {
  stack = await RecordingStack.start({ files: FAST_FILES });
  admin = adminDatabase(stack);
});

afterEach(async () => {
  await children.killAll();
});

afterAll(async () => {
  await children.killAll();
  for (const { process: child, secrets } of outputs) {
    expectNoSecretsIn(child.stdout + child.stderr, secrets);
    // main.ts logs any unhandled rejection or uncaught exception as fatal, then exits.
    expect(child.stdout).not.toContain('"level":"fatal"');
  }
  await admin?.close();
  await stack?.stop();
});

const namespaceOf = (databaseUrl: string) => new URL(databaseUrl).hostname.split('.')[0];

/** The controller as a supervised process: same id across restarts, webhooks pointed at it. */
async function startControllerProcess(controllerId: string): Promise<ObservedProcess> {
  const port = await freePort();
  const env = stack.controllerProcessEnv(port, { CONTROLLER_ID: controllerId });
  const child = children.track(spawnControllerFromSource(env));
  outputs.push({
    process: child,
    secrets: [
      stack.keys.apiSecret,
      env.LIVEKIT_CONTROL_API_KEY ?? '',
      env.FIREBASE_PRIVATE_KEY ?? '',
    ],
  });
  await child.waitForOutput(/Server listening/, 30_000);
  stack.livekit.controls.webhooks.setUrl(`http://127.0.0.1:${port}/webhooks/livekit`);
  return child;
}

/** SIGKILLs `child` inside the database's handling of the first write `matches` accepts. */
function killOnWrite(
  child: ObservedProcess,
  matches: (change: AppliedChange) => boolean,
): Promise<AppliedChange> {
  const namespace = namespaceOf(stack.databaseUrl);
  return new Promise((resolve) => {
    const remove = database().controls.observeWrites((name, changes) => {
      const hit = name === namespace ? changes.find(matches) : undefined;
      if (hit === undefined) return;
      child.child.kill('SIGKILL');
      remove();
      resolve(hit);
    });
  });
}

const statusWrite =
  (roomKey: string, recordingId: string, status: string) => (change: AppliedChange) =>
    change.path === `recordings/${roomKey}/${recordingId}` &&
    (change.value as { status?: unknown } | null)?.status === status;

interface Scene {
  readonly roomUrl: string;
  readonly roomKey: string;
  readonly alice: Participant;
  readonly controllerId: string;
}

async function scene(options: { readonly publishing: boolean }): Promise<Scene> {
  const { roomUrl, roomKey } = RecordingStack.room();
  const alice = await stack.participant();
  stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
  stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, options.publishing);
  return { roomUrl, roomKey, alice, controllerId: `crash-${randomBytes(3).toString('hex')}` };
}

/** After the restart: let it record, stop it if nobody has, and wait for the end. */
async function finishAfterRestart(
  current: Scene,
  recordingId: string,
  options: { readonly stopRequested: boolean },
) {
  const { alice, roomKey, roomUrl } = current;
  if (!options.stopRequested) {
    await stack.waitForRecord(alice.db, roomKey, recordingId, (record) =>
      ['recording', 'failed'].includes(String(record.status)),
    );
    await alice.stop(roomUrl, recordingId);
  }
  return stack.waitForRecord(alice.db, roomKey, recordingId, isSettled, 45_000);
}

/** Stops watching, then: uploaded with equal bytes, lock released, one egress, forward only. */
async function expectRecordedIntact(
  current: Scene,
  recordingId: string,
  seen: { readonly statuses: string[]; stop(): void },
) {
  seen.stop();
  await expectNothingLost(
    stack,
    storage().emulator,
    admin.db,
    { roomKey: current.roomKey, recordingId },
    { expectStatus: 'uploaded' },
  );
  expectForwardOnly(seen.statuses);
}

describe('a controller SIGKILLed mid-recording and restarted', () => {
  it.each([
    ['starting', { publishing: false }],
    ['recording', { publishing: true }],
    ['stopping', { publishing: true }],
    ['processing', { publishing: true }],
    ['uploading', { publishing: true }],
  ] as const)(
    'killed as it writes %s: ends uploaded with equal bytes, lock released, nothing run twice',
    async (status, setup) => {
      const current = await scene(setup);
      const { alice, roomKey, roomUrl } = current;
      const first = await startControllerProcess(current.controllerId);
      const recordingId = await alice.start(roomUrl);
      const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
      const killed = killOnWrite(first, statusWrite(roomKey, recordingId, status));
      let stopRequested = false;
      if (status === 'stopping' || status === 'processing' || status === 'uploading') {
        await stack.waitForRecord(alice.db, roomKey, recordingId, (record) =>
          ['recording', 'failed'].includes(String(record.status)),
        );
        await alice.stop(roomUrl, recordingId);
        stopRequested = true;
      }
      await killed;
      expect((await first.exited).signal).toBe('SIGKILL');
      if (status === 'starting')
        stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, true);
      if (status === 'recording') {
        // A participant stops while no controller runs: the command waits in the queue.
        await alice.stop(roomUrl, recordingId);
        stopRequested = true;
      }

      await startControllerProcess(current.controllerId);
      await finishAfterRestart(current, recordingId, { stopRequested });
      await expectRecordedIntact(current, recordingId, seen);
      expect(seen.statuses).toContain(status);
    },
    90_000,
  );

  it('killed as it deletes the start command it carried out: nothing runs twice', async () => {
    const current = await scene({ publishing: true });
    const { alice, roomKey, roomUrl } = current;
    const first = await startControllerProcess(current.controllerId);
    // The record's own `requested → starting` was the claim; the entry is deleted once the
    // start has reached egress, and the kill lands exactly there.
    const killed = killOnWrite(
      first,
      (change) => change.path.startsWith('recordingQueue/') && change.value === null,
    );
    const recordingId = await alice.start(roomUrl);
    const seen = stack.watchStatuses(alice.db, roomKey, recordingId);
    const removal = await killed;
    expect(removal.path).toBe(`recordingQueue/${recordingId}_start`);
    await first.exited;
    const claimed = (await admin.db.ref(`recordings/${roomKey}/${recordingId}`).get()).val();
    expect(claimed).toMatchObject({
      claim: { by: current.controllerId },
      egressId: expect.any(String),
    });

    const second = await startControllerProcess(current.controllerId);
    await finishAfterRestart(current, recordingId, { stopRequested: false });
    await expectRecordedIntact(current, recordingId, seen);
    const takenAgain = second.stdout
      .split('\n')
      .filter(
        (line) =>
          line.includes('"command taken"') && line.includes(recordingId) && line.includes('start'),
      );
    expect(takenAgain).toHaveLength(0);
  }, 90_000);
});
