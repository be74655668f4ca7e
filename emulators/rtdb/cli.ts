import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startRtdbEmulator } from './server.js';

const USAGE =
  'usage: npm run emulator -- rtdb [--port <n>] [--host <ip>] [--rules <file>] [--import <path>] [--export-on-exit <dir>]\n';

/** Runs the emulator in the foreground until SIGTERM or SIGINT. */
export async function runFromCli(args: readonly string[]): Promise<void> {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        rules: { type: 'string' },
        import: { type: 'string' },
        'export-on-exit': { type: 'string' },
      },
    }));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const port = values.port === undefined ? 9000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`invalid --port ${values.port}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const emulator = await startRtdbEmulator({
    port,
    host: values.host ?? '127.0.0.1',
    rules: values.rules === undefined ? undefined : await readFile(values.rules, 'utf8'),
    importFile: values.import,
    exportOnExit: values['export-on-exit'],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`rtdb ready on ${emulator.host}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await emulator.stop();
}
