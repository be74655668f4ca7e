import { type FirebaseApp, initializeApp } from 'firebase/app';
import { type Auth, connectAuthEmulator, getAuth } from 'firebase/auth';
import { connectDatabaseEmulator, type Database, getDatabase } from 'firebase/database';
import type { RuntimeConfig } from '../config/runtime-config.js';

export interface FirebaseClient {
  readonly app: FirebaseApp;
  readonly auth: Auth;
  readonly db: Database;
}

/** The Firebase app of the configured project; the emulators only when the config names them. */
export function createFirebaseClient(config: RuntimeConfig): FirebaseClient {
  const app = initializeApp(config.firebase);
  const auth = getAuth(app);
  const db = getDatabase(app);
  const { auth: authEmulator, database: databaseEmulator } = config.firebaseEmulators;
  if (authEmulator !== undefined) {
    connectAuthEmulator(auth, authEmulator, { disableWarnings: true });
  }
  if (databaseEmulator !== undefined) {
    const url = new URL(`http://${databaseEmulator}`);
    connectDatabaseEmulator(db, url.hostname, Number(url.port));
  }
  return { app, auth, db };
}
