import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteApp, initializeApp } from 'firebase/app';
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from 'firebase/auth';
import { getDatabase } from 'firebase/database';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { roomRecordingsPath, storageObjectName } from '../../common/recording/recording-paths.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { ObservedProcess, PROJECT_ROOT } from '../support/controller-process.js';
import { installNodeWebrtc, syntheticTracks } from '../support/node-webrtc.js';
import { commandWriter, connectToDatabaseEmulator } from '../support/stack-wiring.js';

// livekit-client looks its WebRTC up on globalThis, so the globals come first.
installNodeWebrtc();
const { LogLevel, Room, Track, setLogLevel } = await import('livekit-client');
setLogLevel(LogLevel.warn);

const PROJECT_ID = 'demo-chatspheres';
const NAMESPACE = `${PROJECT_ID}-default-rtdb`;
const DATABASE_URL = `https://${NAMESPACE}.firebaseio.com`;
const BUCKET = `${PROJECT_ID}.firebasestorage.app`;
const CYCLES = 20;
const WAIT_MS = 60_000;

type Urls = Record<'app' | 'controller' | 'livekit' | 'auth' | 'database' | 'storage', string>;

const LABELS: Readonly<Record<keyof Urls, string>> = {
  app: 'Open the web app',
  controller: 'Controller API',
  livekit: 'LiveKit \\(\\+ egress\\)',
  auth: 'Auth emulator',
  database: 'Realtime Database',
  storage: 'Storage',
};

/**
 * `npm run local` as a terminal runs it: in a process group of its own, so a signal to the
 * group reaches npm, the stack and every child of theirs that shares the group, as Ctrl-C does.
 */
function startLocal(dataDir: string, webDir: string | undefined): ObservedProcess {
  const args = ['run', 'local', '--', '--data-dir', dataDir, '--ports', 'random'];
  if (webDir !== undefined) args.push('--web-dir', webDir);
  const child = spawn('npm', args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  return new ObservedProcess(child);
}

async function printedUrls(run: ObservedProcess): Promise<Urls> {
  const urls = {} as Urls;
  for (const [name, label] of Object.entries(LABELS) as [keyof Urls, string][]) {
    const line = await run.waitForOutput(new RegExp(`^${label}:\\s+http`), 240_000);
    urls[name] = line.replace(/^[^:]+:\s+/, '').trim();
  }
  return urls;
}

/** Ctrl-C pressed twice in a row: two SIGINTs to the whole group (npm forwards each again). */
function pressCtrlCTwice(run: ObservedProcess): void {
  const group = run.child.pid;
  if (group === undefined) throw new Error('npm has no pid');
  process.kill(-group, 'SIGINT');
  process.kill(-group, 'SIGINT');
}

/** A room's records, read over REST as the database owner. */
async function roomRecords(
  database: string,
  roomKey: string,
): Promise<Record<string, { status?: string }>> {
  const response = await fetch(`${database}/${roomRecordingsPath(roomKey)}.json?ns=${NAMESPACE}`, {
    headers: { authorization: 'Bearer owner' },
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as Record<string, { status?: string }> | null) ?? {};
}

/** Waits (polling the database, bounded) until the record's status is `status`. */
async function waitForStatus(database: string, roomKey: string, id: string, status: string) {
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const seen = (await roomRecords(database, roomKey))[id]?.status;
    if (seen === status) return;
    if (seen === 'failed') break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const record = (await roomRecords(database, roomKey))[id];
  throw new Error(`recording ${id} never reached ${status}: ${JSON.stringify(record)}`);
}

/** The names of every object the Storage server holds under `prefix`. */
async function storedObjects(storage: string, prefix: string): Promise<string[]> {
  const response = await fetch(
    `${storage}/storage/v1/b/${BUCKET}/o?prefix=${encodeURIComponent(prefix)}`,
  );
  expect(response.status).toBe(200);
  const { items } = (await response.json()) as { items?: { name: string }[] };
  return (items ?? []).map((item) => item.name);
}

/** Alice in the room: signed in with the web SDK, joined to LiveKit and publishing. */
async function aliceInRoom(urls: Urls, roomUrl: string) {
  const app = initializeApp(
    { apiKey: 'local-demo', projectId: PROJECT_ID, databaseURL: DATABASE_URL },
    `alice-${Date.now()}-${Math.random()}`,
  );
  const auth = getAuth(app);
  connectAuthEmulator(auth, urls.auth, { disableWarnings: true });
  const signedIn = await signInWithEmailAndPassword(auth, 'alice@example.com', 'alice-demo');
  const db = getDatabase(app);
  connectToDatabaseEmulator(db, new URL(urls.database).host);
  // The token below makes her a member of the room, as it does in the web app.
  const writer = commandWriter(app, db, signedIn.user.uid, async () => {});
  const tokenResponse = await fetch(`${urls.controller}/token`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await signedIn.user.getIdToken()}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ roomUrl }),
  });
  expect(tokenResponse.status).toBe(200);
  const { token } = (await tokenResponse.json()) as { token: string };
  const room = new Room();
  await room.connect(urls.livekit.replace(/^http/, 'ws'), token);
  const { camera, microphone } = syntheticTracks();
  await room.localParticipant.publishTrack(camera, { source: Track.Source.Camera });
  await room.localParticipant.publishTrack(microphone, { source: Track.Source.Microphone });
  return {
    writer,
    async leave() {
      await room.disconnect();
      camera.stop();
      microphone.stop();
      await writer.close().catch(() => deleteApp(app));
    },
  };
}

describe('npm run local and Ctrl-C', () => {
  let dataDir: string;
  let running: ObservedProcess | undefined;
  const leaves: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-ctrl-c-'));
  });

  afterEach(async () => {
    for (const leave of leaves.splice(0)) await leave().catch(() => {});
    // On a failure midway: SIGTERM to the group stops the stack; SIGKILL if it hangs.
    const run = running;
    running = undefined;
    if (run?.child.pid !== undefined && run.child.exitCode === null) {
      process.kill(-run.child.pid, 'SIGTERM');
      const killer = setTimeout(
        () => run.child.pid && process.kill(-run.child.pid, 'SIGKILL'),
        30_000,
      );
      await run.exited;
      clearTimeout(killer);
    }
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it(`keeps every recording through ${CYCLES} double Ctrl-Cs, during a recording and after one`, async () => {
    /** Every recording started so far (each run records in a room of its own), and the uploaded. */
    const started: { roomKey: string; id: string }[] = [];
    const uploaded = new Set<string>();
    for (let cycle = 1; cycle <= CYCLES; cycle++) {
      // The first run builds the web app into the data directory; the others serve that build.
      const run = startLocal(dataDir, cycle === 1 ? undefined : join(dataDir, 'web'));
      running = run;
      const urls = await printedUrls(run);

      // Every recording a previous run saw is still listed, every uploaded one still says so,
      // and every file in Storage has its record.
      for (const { roomKey, id } of started) {
        const records = await roomRecords(urls.database, roomKey);
        expect(Object.keys(records), `room ${roomKey} after restart ${cycle - 1}`).toEqual([id]);
        if (uploaded.has(id)) expect(records[id]?.status, `${id} in run ${cycle}`).toBe('uploaded');
        for (const name of await storedObjects(urls.storage, roomRecordingsPath(roomKey))) {
          expect(name).toBe(storageObjectName(roomKey, id));
        }
      }

      const roomUrl = `http://127.0.0.1/room/ctrl-c-${randomUUID()}`;
      const roomKey = roomKeyFromUrl(roomUrl);
      const alice = await aliceInRoom(urls, roomUrl);
      leaves.push(alice.leave);
      const id = await alice.writer.start(roomUrl);
      started.push({ roomKey, id });
      await waitForStatus(urls.database, roomKey, id, 'recording');
      // Odd runs stop with the recording finished and uploaded; even runs in the middle of one.
      if (cycle % 2 === 1) {
        await alice.writer.stop(roomUrl, id);
        await waitForStatus(urls.database, roomKey, id, 'uploaded');
        uploaded.add(id);
        expect(await storedObjects(urls.storage, roomRecordingsPath(roomKey))).toContain(
          storageObjectName(roomKey, id),
        );
      }
      for (const leave of leaves.splice(0)) await leave();

      pressCtrlCTwice(run);
      const exit = await run.exited;
      running = undefined;
      expect(exit.stdout, `run ${cycle}:\n${exit.stderr}`).toContain('Stopped.');
    }
  }, 1_800_000);
});
