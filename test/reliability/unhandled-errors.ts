import { afterAll, beforeAll } from 'vitest';

/**
 * Collects unhandled promise rejections and uncaught exceptions of this test file's worker (the
 * in-process controller included); the returned function lists them so a test can require none.
 */
export function watchUnhandledErrors(): () => string[] {
  const seen: string[] = [];
  const record = (error: unknown) => {
    seen.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  beforeAll(() => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });
  afterAll(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  });
  return () => [...seen];
}
