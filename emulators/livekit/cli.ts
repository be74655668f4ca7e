import { parseArgs } from 'node:util';
import { startLivekitEmulator } from './index.js';

const USAGE =
  'usage: npm run emulator -- livekit --keys <key>:<secret>[,<key>:<secret>…] --output-dir <path>' +
  ' [--port <n>] [--host <addr>] [--webhook <url>]\n';

function parseKeys(values: readonly string[]): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const pair of values.flatMap((value) => value.split(','))) {
    const colon = pair.indexOf(':');
    if (colon <= 0 || colon === pair.length - 1)
      throw new Error(`--keys: "${pair}" is not <key>:<secret>`);
    keys[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  return keys;
}

/** `npm run emulator -- livekit …`: serves until SIGTERM or SIGINT, then exits 0. */
export async function runFromCli(args: readonly string[]): Promise<void> {
  let emulator: Awaited<ReturnType<typeof startLivekitEmulator>>;
  try {
    const { values } = parseArgs({
      args: [...args],
      options: {
        port: { type: 'string', default: '7880' },
        host: { type: 'string', default: '127.0.0.1' },
        keys: { type: 'string', multiple: true },
        webhook: { type: 'string' },
        'output-dir': { type: 'string' },
      },
      strict: true,
    });
    if (values.keys === undefined || values['output-dir'] === undefined)
      throw new Error('--keys and --output-dir are required');
    emulator = await startLivekitEmulator({
      port: Number(values.port),
      host: values.host,
      keys: parseKeys(values.keys),
      webhookUrl: values.webhook,
      outputDir: values['output-dir'],
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`livekit ready on ${new URL(emulator.url).host}\n`);
  await new Promise<void>((resolveSignal) => {
    process.once('SIGTERM', () => resolveSignal());
    process.once('SIGINT', () => resolveSignal());
  });
  await emulator.stop();
}
