import { deleteApp } from 'firebase-admin/app';
import { loadConfigOrExplain } from './config/load-config.js';
import { createController } from './controller.js';
import { initializeFirebase } from './firebase/firebase-app.js';
import { installGracefulShutdown } from './lifecycle/graceful-shutdown.js';
import { createLogger } from './logging/logger.js';

async function main(): Promise<void> {
  const config = loadConfigOrExplain(process.env);
  if (config === undefined) {
    process.exitCode = 1;
    return;
  }

  const logger = createLogger(config.log.level);
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: error }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    process.exit(1);
  });
  logger.info({ config }, 'controller starting');

  const firebase = initializeFirebase(config.firebase);
  const { app, startWork } = await createController(config, logger, firebase);

  installGracefulShutdown({
    // The work stops (onClose hooks) while the database is still there, then the SDK goes.
    close: async () => {
      await app.close();
      await deleteApp(firebase);
    },
    logger,
    timeoutMs: config.control.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  });
  await app.listen({ host: config.control.host, port: config.control.port });
  startWork();
}

await main();
