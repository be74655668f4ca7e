import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { deleteApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { type Database, getDatabase } from 'firebase-admin/database';
import { type Config, loadConfig } from '../../controller/config/load-config.js';
import { initializeFirebase } from '../../controller/firebase/firebase-app.js';
import { RoomMembership } from '../../controller/http/room-membership.js';
import { buildServer, type Server } from '../../controller/http/server.js';
import { createLogger } from '../../controller/logging/logger.js';
import { validEnv } from './test-env.js';

/** Every log line the server wrote, as text and parsed. */
export class CapturedLog extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void) {
    this.lines.push(
      ...chunk
        .toString()
        .split('\n')
        .filter((line) => line !== ''),
    );
    callback();
  }

  get text(): string {
    return this.lines.join('\n');
  }

  entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export interface TestServer {
  readonly app: Server;
  readonly config: Config;
  readonly log: CapturedLog;
  /** The emulated database, as the controller's Admin SDK sees it. */
  readonly db: Database;
  /** Room membership on that database, for the routes that ask it. */
  readonly membership: RoomMembership;
  close(): Promise<void>;
}

/** A fresh controller server on its own Firebase app, its logs captured at debug level. */
export async function startTestServer(
  env: Record<string, string | undefined> = {},
): Promise<TestServer> {
  const config = loadConfig(validEnv({ LOG_LEVEL: 'debug', ...env }));
  const log = new CapturedLog();
  const firebase = initializeFirebase(config.firebase, `test-${randomUUID()}`);
  const app = await buildServer({
    config,
    logger: createLogger(config.log.level, log),
    idTokenVerifier: getAuth(firebase),
  });
  return {
    app,
    config,
    log,
    db: getDatabase(firebase),
    membership: new RoomMembership(getDatabase(firebase)),
    close: async () => {
      await app.close();
      await deleteApp(firebase);
    },
  };
}
