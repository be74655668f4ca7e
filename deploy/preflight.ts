import { join } from 'node:path';
import { cliOptions, PATHS, readEnvFile, readIfExists, readRendered } from './cli-options.js';
import { credentialNotes, preflight } from './preflight-checks.js';

/**
 * `npm run preflight [-- --env-file <path>]`: checks .env.livekit, the rendered LiveKit and
 * Egress configs and docker-compose.yml together, names every problem, exits 1 on any.
 */
async function main(): Promise<number> {
  const options = cliOptions(process.argv.slice(2));
  const envText = await readIfExists(options.envFile);
  if (envText === undefined) {
    process.stderr.write(
      `preflight: ${options.envFile} does not exist (copy .env.livekit.example and fill it in)\n`,
    );
    return 1;
  }
  const read = (path: string) => readIfExists(join(options.root, path));
  const composeYaml = (await read(PATHS.compose)) ?? '';
  const livekitYaml = await readRendered(join(options.root, PATHS.livekitRendered));
  const egressYaml = await readRendered(join(options.root, PATHS.egressRendered));
  const problems = preflight({
    env: await readEnvFile(options.envFile),
    livekitYaml,
    egressYaml,
    composeYaml,
    templates: {
      livekitYaml: (await read(PATHS.livekitTemplate)) ?? '',
      egressYaml: (await read(PATHS.egressTemplate)) ?? '',
    },
  });
  for (const note of credentialNotes((await readEnvFile(options.envFile)).values)) {
    process.stdout.write(`preflight: note: ${note}\n`);
  }
  if (problems.length === 0) {
    process.stdout.write('preflight: configuration is consistent\n');
    return 0;
  }
  process.stderr.write(`preflight: ${problems.length} problem(s)\n`);
  for (const problem of problems) {
    process.stderr.write(`  - ${problem.subject}: ${problem.message}\n`);
  }
  return 1;
}

process.exitCode = await main();
