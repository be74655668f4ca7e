import { parseArgs } from 'node:util';
import { deleteApp } from 'firebase-admin/app';
import { getDatabase } from 'firebase-admin/database';
import { loadConfigOrExplain } from '../controller/config/load-config.js';
import { initializeFirebase } from '../controller/firebase/firebase-app.js';
import { drainRecordings } from './drain-recordings.js';

/**
 * `node dist/deploy/drain.js [--timeout-s 300]`, in the controller's container
 * (`docker compose exec controller node dist/deploy/drain.js`): stops every active recording
 * and waits until their rooms are released. Exits 0 when drained, 1 when some still record.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { 'timeout-s': { type: 'string', default: '300' } } });
  const timeoutS = Number(values['timeout-s']);
  if (!Number.isInteger(timeoutS) || timeoutS < 1 || timeoutS > 3600) {
    process.stderr.write('drain: --timeout-s must be a whole number of seconds, 1 to 3600\n');
    return 2;
  }
  const config = loadConfigOrExplain(process.env);
  if (config === undefined) return 1;
  const firebase = initializeFirebase(config.firebase, 'drain');
  try {
    const outcome = await drainRecordings(getDatabase(firebase), {
      timeoutMs: timeoutS * 1000,
      onStop: (roomKey, recordingId) =>
        process.stdout.write(`drain: stop requested for ${roomKey}/${recordingId}\n`),
    });
    if (outcome.remaining === 0) {
      process.stdout.write(`drain: no recording is active (${outcome.stopped.length} stopped)\n`);
      return 0;
    }
    process.stderr.write(
      `drain: ${outcome.remaining} recording(s) still active after ${timeoutS} s; see docs/deployment.md, section 8\n`,
    );
    return 1;
  } finally {
    await deleteApp(firebase);
  }
}

process.exitCode = await main();
