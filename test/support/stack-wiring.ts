import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { deleteApp, type FirebaseApp } from 'firebase/app';
import {
  connectDatabaseEmulator,
  type Database,
  goOffline,
  push,
  ref,
  serverTimestamp,
  update,
} from 'firebase/database';
import {
  startRecordingUpdate,
  stopRecordingUpdate,
} from '../../common/recording/recording-commands.js';
import type { RecordingOptions } from '../../common/recording/recording-options.js';
import { roomKeyFromUrl } from '../../common/room-key.js';

// What the suites' RecordingStack and the bench's BenchStack wire the same way. No vitest
// here: the bench imports this module and runs outside vitest.

const RULES_FILE = new URL('../../database.rules.json', import.meta.url);

let privateKeyPem: string | undefined;

/** A service-account key made at run time, never a real one (the emulators do not check it). */
export function generatedPrivateKey(): string {
  privateKeyPem ??= generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  }).privateKey;
  return privateKeyPem;
}

/** The controller's service-account variables for a generated account of `projectId`. */
export function serviceAccountEnv(projectId: string): Record<string, string> {
  return {
    FIREBASE_PROJECT_ID: projectId,
    FIREBASE_CLIENT_EMAIL: `controller@${projectId}.iam.gserviceaccount.com`,
    // Written as an env file holds it: newlines as the two characters \n.
    FIREBASE_PRIVATE_KEY: generatedPrivateKey().replaceAll('\n', '\\n'),
    FIREBASE_STORAGE_BUCKET: `${projectId}.firebasestorage.app`,
  };
}

/**
 * A fresh namespace named `<prefix>-<random>` on the database emulator at `host`, holding the
 * project's rules and nothing else, as any emulator (ours or Google's) takes them.
 */
export async function namespaceWithRules(host: string, prefix: string): Promise<string> {
  const namespace = `${prefix}-${randomBytes(5).toString('hex')}`;
  const response = await fetch(`http://${host}/.settings/rules.json?ns=${namespace}`, {
    method: 'PUT',
    headers: { authorization: 'Bearer owner' },
    body: await readFile(RULES_FILE, 'utf8'),
  });
  if (!response.ok)
    throw new Error(`could not load the rules: ${response.status} ${await response.text()}`);
  return namespace;
}

/** A room URL of its own, with its key. */
export function newRoom(): { roomUrl: string; roomKey: string } {
  const roomUrl = `https://app.example.com/room/${randomBytes(6).toString('hex')}`;
  return { roomUrl, roomKey: roomKeyFromUrl(roomUrl) };
}

/**
 * Makes `uid` a member of the room, as the controller does when it gives them a token (POST
 * /token; docs/security.md): the rules let only members read a room and write its commands.
 * Written as the owner, so the suites need no controller to admit their participants.
 */
export async function admitToRoom(
  host: string,
  namespace: string,
  roomKey: string,
  uid: string,
): Promise<void> {
  const response = await fetch(
    `http://${host}/rooms/${roomKey}/members/${uid}.json?ns=${namespace}&print=silent`,
    {
      method: 'PUT',
      headers: { authorization: 'Bearer owner' },
      body: JSON.stringify({ joinedAt: Date.now() }),
    },
  );
  if (!response.ok) throw new Error(`admit ${uid}: ${response.status} ${await response.text()}`);
}

/** Points a web SDK database at the emulator at `host` (`host:port`). */
export function connectToDatabaseEmulator(
  db: Database,
  host: string,
  options?: Parameters<typeof connectDatabaseEmulator>[3],
): void {
  const [hostname, port] = host.split(':');
  connectDatabaseEmulator(db, hostname ?? '127.0.0.1', Number(port), options);
}

/** One signed-in user's web SDK database, writing recording commands exactly as the SPA does. */
export interface CommandWriter {
  readonly uid: string;
  readonly db: Database;
  /** A fresh push id, so a listener can be set on the record before it is written. */
  nextRecordingId(): string;
  /** Makes the user a member of the room (once): what a token from POST /token does. */
  join(roomKey: string): Promise<void>;
  /** Writes the record and its start command; resolves with the recording id. */
  start(roomUrl: string, recordingId?: string, options?: RecordingOptions): Promise<string>;
  stop(roomUrl: string, recordingId: string): Promise<void>;
  /** Goes offline and deletes the app. */
  close(): Promise<void>;
}

/**
 * `admit` makes the user a member of a room (see admitToRoom); it is called once a room, before
 * the first command there, as the SPA holds a token before it shows the recording controls.
 */
export function commandWriter(
  app: FirebaseApp,
  db: Database,
  uid: string,
  admit: (roomKey: string) => Promise<void>,
): CommandWriter {
  const nextRecordingId = () => push(ref(db, 'recordings')).key ?? '';
  const admitted = new Map<string, Promise<void>>();
  const join = (roomKey: string) => {
    let admission = admitted.get(roomKey);
    if (admission === undefined) {
      admission = admit(roomKey);
      admitted.set(roomKey, admission);
    }
    return admission;
  };
  return {
    uid,
    db,
    nextRecordingId,
    join,
    async start(roomUrl, recordingId = nextRecordingId(), options?: RecordingOptions) {
      await join(roomKeyFromUrl(roomUrl));
      await update(
        ref(db),
        startRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp(), options }),
      );
      return recordingId;
    },
    async stop(roomUrl, recordingId) {
      await join(roomKeyFromUrl(roomUrl));
      await update(
        ref(db),
        stopRecordingUpdate({ roomUrl, recordingId, uid, serverTime: serverTimestamp() }),
      );
    },
    async close() {
      goOffline(db);
      await deleteApp(app);
    },
  };
}
