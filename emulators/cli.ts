/**
 * `npm run emulator -- <name> [options]`: runs one local server in the foreground until
 * SIGTERM or SIGINT. Each emulator folder exports `runFromCli(args)` from its `cli.ts`.
 */

export interface EmulatorCli {
  /** Parses `args`, starts the server, prints `<name> ready on <host>:<port>`, and resolves on exit. */
  runFromCli(args: readonly string[]): Promise<void>;
}

const EMULATORS: Readonly<Record<string, () => Promise<EmulatorCli>>> = {
  livekit: () => import('./livekit/cli.js'),
  rtdb: () => import('./rtdb/cli.js'),
  storage: () => import('./storage/cli.js'),
};

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...args] = argv;
  const load = name === undefined ? undefined : EMULATORS[name];
  if (load === undefined) {
    const known = Object.keys(EMULATORS).join(', ') || '(none yet)';
    process.stderr.write(`usage: npm run emulator -- <name> [options]\nemulators: ${known}\n`);
    process.exitCode = 2;
    return;
  }
  await (await load()).runFromCli(args);
}

await main(process.argv.slice(2));
