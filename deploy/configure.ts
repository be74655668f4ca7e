import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { loadConfigOrExplain } from '../controller/config/load-config.js';
import { cliOptions, isDirectory, PATHS, readEnvFile } from './cli-options.js';
import { renderedDirectoryMessage } from './preflight-checks.js';
import { renderEgressYaml, renderLivekitYaml } from './render.js';

/**
 * `npm run configure [-- --env-file <path>]`: renders livekit/rendered/{livekit,egress}.yaml
 * from the templates and .env.livekit. Refuses (exit 1) while the env file is invalid.
 */
async function main(): Promise<number> {
  const options = cliOptions(process.argv.slice(2));
  const env = await readEnvFile(options.envFile);
  const config = loadConfigOrExplain(env.values);
  if (config === undefined) return 1;
  const outputs = [
    [PATHS.livekitTemplate, PATHS.livekitRendered, renderLivekitYaml],
    [PATHS.egressTemplate, PATHS.egressRendered, renderEgressYaml],
  ] as const;
  for (const [template, rendered, render] of outputs) {
    const text = render(await readFile(join(options.root, template), 'utf8'), config);
    const path = join(options.root, rendered);
    if (await isDirectory(path)) {
      process.stderr.write(`${rendered} ${renderedDirectoryMessage(rendered)}\n`);
      return 1;
    }
    await mkdir(dirname(path), { recursive: true });
    // Readable by the containers' users (egress is not root); the VM should have one login user.
    await writeFile(path, text, { mode: 0o644 });
    process.stdout.write(`wrote ${rendered}\n`);
  }
  return 0;
}

process.exitCode = await main();
