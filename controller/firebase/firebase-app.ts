import { type App, applicationDefault, cert, initializeApp } from 'firebase-admin/app';
import type { Config } from '../config/load-config.js';

/**
 * The Admin SDK app for our project. The SDKs themselves honour FIREBASE_*_EMULATOR_HOST,
 * so nothing here knows whether it talks to Google or to a local server.
 */
export function initializeFirebase(config: Config['firebase'], name = 'controller'): App {
  return initializeApp(
    {
      // Without a key pair: the machine's service account (application default credentials:
      // a Google Cloud VM's metadata server, or GOOGLE_APPLICATION_CREDENTIALS).
      credential:
        config.clientEmail !== undefined && config.privateKey !== undefined
          ? cert({
              projectId: config.projectId,
              clientEmail: config.clientEmail,
              privateKey: config.privateKey,
            })
          : applicationDefault(),
      projectId: config.projectId,
      databaseURL: config.databaseUrl,
      storageBucket: config.storageBucket,
    },
    name,
  );
}
