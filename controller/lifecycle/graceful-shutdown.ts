import type { Logger } from '../logging/logger.js';

export interface GracefulShutdownOptions {
  /** Stops accepting work and finishes what is in flight (fastify's close runs every onClose hook). */
  readonly close: () => Promise<void>;
  readonly logger: Logger;
  /** The bound on finishing in-flight work; past it the process exits anyway, with code 1. */
  readonly timeoutMs: number;
  readonly exit: (code: number) => void;
  readonly signals?: readonly NodeJS.Signals[];
}

export type ShutdownOutcome = 'closed' | 'timed_out' | 'failed';

/** Runs `close` within `timeoutMs`: how it ended decides the exit code. */
export async function closeWithin(
  close: () => Promise<void>,
  timeoutMs: number,
): Promise<ShutdownOutcome> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed_out'), timeoutMs);
  });
  const closed = close().then(
    (): ShutdownOutcome => 'closed',
    (): ShutdownOutcome => 'failed',
  );
  try {
    return await Promise.race([closed, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** On SIGTERM or SIGINT: stop accepting, finish in-flight work within the bound, then exit. */
export function installGracefulShutdown(options: GracefulShutdownOptions): void {
  const { logger } = options;
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) {
      logger.warn({ signal }, 'shutdown already under way');
      return;
    }
    started = true;
    logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down');
    void closeWithin(options.close, options.timeoutMs).then((outcome) => {
      if (outcome === 'closed') logger.info('shutdown complete');
      else logger.error({ outcome }, 'shutdown did not finish cleanly');
      options.exit(outcome === 'closed' ? 0 : 1);
    });
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.on(signal, onSignal);
}
