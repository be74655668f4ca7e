import { spawnSync } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BINARY_CACHE_DIR, exists, MODULE_DIR, realLivekitBinaries } from './binaries.js';

/**
 * `npm run livekit:build`: builds the real livekit-server at the version go.mod pins (once per
 * version) and the egress worker (once per source digest) into the git-ignored cache. Go's own
 * module and build caches make a rebuild after a change cheap.
 */
function goBuild(output: string, target: string): void {
  const started = Date.now();
  const result = spawnSync('go', ['build', '-trimpath', '-o', output, target], {
    cwd: MODULE_DIR,
    stdio: 'inherit',
  });
  if (result.error !== undefined) throw new Error(`go not found: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`go build ${target} failed (exit ${result.status})`);
  process.stdout.write(
    `built ${basename(output)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
  );
}

async function main(): Promise<void> {
  const binaries = await realLivekitBinaries();
  await mkdir(BINARY_CACHE_DIR, { recursive: true });
  if (await exists(binaries.server)) process.stdout.write(`${basename(binaries.server)}: cached\n`);
  else goBuild(binaries.server, 'github.com/livekit/livekit-server/cmd/server');
  if (await exists(binaries.egressWorker))
    process.stdout.write(`${basename(binaries.egressWorker)}: cached\n`);
  else goBuild(binaries.egressWorker, './egress-worker');
  // Older workers' binaries are dead weight once their sources changed.
  for (const name of await readdir(BINARY_CACHE_DIR)) {
    if (name.startsWith('egress-worker-') && name !== basename(binaries.egressWorker)) {
      await rm(join(BINARY_CACHE_DIR, name), { force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
