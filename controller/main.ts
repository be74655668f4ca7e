import { deleteApp } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { ConfigError, loadConfig } from './config/load-config.js';
import { outputDirWritable } from './files/output-dir-readiness.js';
import { initializeFirebase } from './firebase/firebase-app.js';
import { buildServer } from './http/server.js';
import { installGracefulShutdown } from './lifecycle/graceful-shutdown.js';
import { createLogger } from './logging/logger.js';

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
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
  const app = await buildServer({ config, logger, idTokenVerifier: getAuth(firebase) });
  app.readiness.register('recordings_dir', outputDirWritable(config.recording.outputDir));
  app.addHook('onClose', () => deleteApp(firebase));

  installGracefulShutdown({
    close: () => app.close(),
    logger,
    timeoutMs: config.control.shutdownTimeoutMs,
    exit: (code) => process.exit(code),
  });
  await app.listen({ host: config.control.host, port: config.control.port });
}

await main();
