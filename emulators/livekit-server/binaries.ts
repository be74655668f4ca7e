import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { REDIS_SERVER_COMMAND } from './redis-server.js';

/** This Go module: the real server as a tool dependency, and our egress worker. */
export const MODULE_DIR = fileURLToPath(new URL('.', import.meta.url));
const REPOSITORY_ROOT = join(MODULE_DIR, '..', '..');
/** Git-ignored; `npm run livekit:build` fills it. */
export const BINARY_CACHE_DIR = join(REPOSITORY_ROOT, '.cache', 'livekit-server');
const WORKER_SOURCE_DIR = join(MODULE_DIR, 'egress-worker');

export interface RealLivekitBinaries {
  /** The version go.mod pins, e.g. `v1.13.5`. */
  readonly serverVersion: string;
  readonly server: string;
  readonly egressWorker: string;
}

/** The livekit-server version go.mod requires: the one the binary is built at. */
export async function pinnedServerVersion(): Promise<string> {
  const goMod = await readFile(join(MODULE_DIR, 'go.mod'), 'utf8');
  const match = /^\s*github\.com\/livekit\/livekit-server (v\S+)/m.exec(goMod);
  if (match?.[1] === undefined) throw new Error('go.mod does not require livekit-server');
  return match[1];
}

/**
 * A digest of everything the worker is built from, so a binary built from older sources is
 * never taken for the current one.
 */
async function workerSourceDigest(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await readdir(WORKER_SOURCE_DIR).catch(() => []))
    .filter((name) => name.endsWith('.go') && !name.endsWith('_test.go'))
    .sort();
  for (const file of [
    ...files.map((name) => join(WORKER_SOURCE_DIR, name)),
    join(MODULE_DIR, 'go.mod'),
    join(MODULE_DIR, 'go.sum'),
  ]) {
    hash.update(file.slice(MODULE_DIR.length));
    hash.update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Where the binaries for the current sources are (built or not). */
export async function realLivekitBinaries(): Promise<RealLivekitBinaries> {
  const serverVersion = await pinnedServerVersion();
  return {
    serverVersion,
    server: join(BINARY_CACHE_DIR, `livekit-server-${serverVersion}`),
    egressWorker: join(BINARY_CACHE_DIR, `egress-worker-${await workerSourceDigest()}`),
  };
}

export type RealLivekitAvailability =
  | { readonly available: true; readonly binaries: RealLivekitBinaries }
  | { readonly available: false; readonly reason: string };

/** Whether `path` exists (a built binary, say). */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether the real-server suites can run here, and if not, what to do about it. With
 * `egressWorker: false`, a caller that starts no worker (a browser on the SFU) needs only the
 * server and Redis.
 */
export async function realLivekitAvailability(
  options: { readonly egressWorker?: boolean } = {},
): Promise<RealLivekitAvailability> {
  const binaries = await realLivekitBinaries();
  const missing: string[] = [];
  if (!(await exists(binaries.server))) missing.push(`livekit-server ${binaries.serverVersion}`);
  if (options.egressWorker !== false && !(await exists(binaries.egressWorker))) {
    missing.push('the egress worker');
  }
  if (missing.length > 0) {
    return {
      available: false,
      reason: `${missing.join(' and ')} not built: run npm run livekit:build (needs Go)`,
    };
  }
  if (spawnSync(REDIS_SERVER_COMMAND, ['--version']).status !== 0) {
    return { available: false, reason: 'redis-server not found: apt-get install redis-server' };
  }
  return { available: true, binaries };
}
