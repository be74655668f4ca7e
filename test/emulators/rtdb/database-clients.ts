import { randomBytes } from 'node:crypto';
import { deleteApp, type FirebaseApp, initializeApp } from 'firebase/app';
import {
  connectDatabaseEmulator,
  type Database,
  type DatabaseReference,
  getDatabase,
  onValue,
  type Query,
} from 'firebase/database';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import { type RtdbEmulator, startRtdbEmulator } from '../../../emulators/rtdb/index.js';

/** A fresh namespace per test, so tests never see each other's data and can run in parallel. */
export const randomNamespace = (): string => `demo-${randomBytes(6).toString('hex')}`;

export interface EmulatorAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Web SDK databases (modular API) connected the way an app in development connects:
 * `connectDatabaseEmulator`, optionally as a user (an unsigned emulator token or an ID token).
 */
export class WebClients {
  private readonly apps: FirebaseApp[] = [];

  constructor(
    private readonly emulator: EmulatorAddress,
    readonly namespace: string = randomNamespace(),
  ) {}

  database(user?: { uid: string } | string): Database {
    const app = initializeApp(
      { projectId: 'demo-rtdb', databaseURL: `https://${this.namespace}.firebaseio.com` },
      `web-${randomBytes(6).toString('hex')}`,
    );
    this.apps.push(app);
    const database = getDatabase(app);
    const [hostname] = this.emulator.host.split(':') as [string];
    connectDatabaseEmulator(
      database,
      hostname,
      this.emulator.port,
      user === undefined
        ? {}
        : { mockUserToken: typeof user === 'string' ? user : { sub: user.uid, user_id: user.uid } },
    );
    return database;
  }

  async close(): Promise<void> {
    await Promise.all(this.apps.splice(0).map((app) => deleteApp(app)));
  }
}

/**
 * An RTDB emulator of this test file's own and, for each test, web clients on a fresh namespace
 * of it, closed after the test also when it fails.
 */
export function useWebClients(): {
  readonly emulator: () => RtdbEmulator;
  readonly clients: () => WebClients;
} {
  let emulator: RtdbEmulator | undefined;
  let clients: WebClients | undefined;
  const started = () => {
    if (emulator === undefined) throw new Error('the database emulator starts in beforeAll');
    return emulator;
  };
  beforeAll(async () => {
    emulator = await startRtdbEmulator();
  });
  beforeEach(() => {
    clients = new WebClients(started());
  });
  afterEach(async () => {
    await clients?.close();
  });
  afterAll(async () => {
    await emulator?.stop();
  });
  return {
    emulator: started,
    clients: () => {
      if (clients === undefined) throw new Error('web clients are made in beforeEach');
      return clients;
    },
  };
}

/** Resolves with the first value at `target` that satisfies `accept`; rejects after `timeoutMs`. */
export function valueSatisfying<T = unknown>(
  target: DatabaseReference | Query,
  accept: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe = () => {};
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`no accepted value at ${target.toString()} within ${timeoutMs} ms`));
    }, timeoutMs);
    unsubscribe = onValue(
      target,
      (snapshot) => {
        const value = snapshot.val() as T;
        if (!accept(value)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Collects every value event at `target` until `stop()` is called. */
export function recordValues(target: DatabaseReference | Query): {
  values: unknown[];
  stop: () => void;
} {
  const values: unknown[] = [];
  const stop = onValue(target, (snapshot) => {
    values.push(snapshot.val());
  });
  return { values, stop };
}
