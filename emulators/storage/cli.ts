import { parseArgs } from 'node:util';
import { startStorageEmulator } from './index.js';

const USAGE = 'usage: npm run emulator -- storage [--port <n>] [--host <ip>] [--dir <path>]\n';

/** `npm run emulator -- storage --port <n> --dir <path>`: serves until SIGTERM or SIGINT. */
export async function runFromCli(args: readonly string[]): Promise<void> {
  let values: { port?: string; host?: string; dir?: string };
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: { port: { type: 'string' }, host: { type: 'string' }, dir: { type: 'string' } },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port: ${values.port}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const emulator = await startStorageEmulator({
    port,
    ...(values.host === undefined ? {} : { host: values.host }),
    ...(values.dir === undefined ? {} : { dir: values.dir }),
  });
  process.stdout.write(`storage ready on ${emulator.host}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void emulator.stop().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
