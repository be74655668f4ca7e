import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type EnvFile, parseEnvFile } from './env-file.js';

/** Paths shared by `npm run configure` and `npm run preflight`, relative to the repository. */
export const PATHS = {
  livekitTemplate: 'livekit/livekit.yaml',
  egressTemplate: 'livekit/egress.yaml',
  livekitRendered: 'livekit/rendered/livekit.yaml',
  egressRendered: 'livekit/rendered/egress.yaml',
  compose: 'docker-compose.yml',
} as const;

export interface CliOptions {
  readonly root: string;
  readonly envFile: string;
}

/** `[--env-file <path>] [--root <dir>]`; the env file defaults to .env.livekit in the root. */
export function cliOptions(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: { 'env-file': { type: 'string' }, root: { type: 'string' } },
  });
  const root = resolve(values.root ?? process.cwd());
  return { root, envFile: resolve(root, values['env-file'] ?? '.env.livekit') };
}

export async function readEnvFile(path: string): Promise<EnvFile> {
  return parseEnvFile(await readFile(path, 'utf8'));
}

export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** A rendered file's text, undefined when absent, or `directory` where a file belongs. */
export async function readRendered(path: string): Promise<string | undefined | 'directory'> {
  if (await isDirectory(path)) return 'directory';
  return readIfExists(path);
}

export async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (found) => found.isDirectory(),
    () => false,
  );
}
