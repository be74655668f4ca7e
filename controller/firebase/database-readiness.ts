import type { Database } from 'firebase-admin/database';
import type { ReadinessCheck } from '../http/health.js';

/** Ready while the Admin SDK's connection to the Realtime Database is up (`.info/connected`). */
export function databaseConnected(db: Database): ReadinessCheck {
  let connected = false;
  db.ref('.info/connected').on('value', (snapshot) => {
    connected = snapshot.val() === true;
  });
  return async () => {
    if (!connected) throw new Error('not connected to the Realtime Database');
  };
}
