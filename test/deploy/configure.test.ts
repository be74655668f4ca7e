import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../controller/config/load-config.js';
import { PATHS } from '../../deploy/cli-options.js';
import { parseEnvFile } from '../../deploy/env-file.js';
import { preflight } from '../../deploy/preflight-checks.js';
import { REDIS_ADDRESS, renderEgressYaml, renderLivekitYaml } from '../../deploy/render.js';
import { deploymentEnv, envFileText } from '../support/deploy-env.js';
import { randomSecret } from '../support/test-env.js';

const run = promisify(execFile);
const livekitTemplate = await readFile(PATHS.livekitTemplate, 'utf8');
const egressTemplate = await readFile(PATHS.egressTemplate, 'utf8');
const composeYaml = await readFile(PATHS.compose, 'utf8');

function rendered(env: Record<string, string>) {
  const config = loadConfig(env);
  return {
    livekitYaml: renderLivekitYaml(livekitTemplate, config),
    egressYaml: renderEgressYaml(egressTemplate, config),
  };
}

describe('the templates', () => {
  it('carry the placeholders the README names, and nothing else is filled in', () => {
    expect(livekitTemplate).toContain(
      'LIVEKIT_API_KEY_PLACEHOLDER: LIVEKIT_API_SECRET_PLACEHOLDER',
    );
    expect(livekitTemplate).toContain('LIVEKIT_WEBHOOK_API_KEY_PLACEHOLDER');
    expect(egressTemplate).toContain('api_key: LIVEKIT_API_KEY_PLACEHOLDER');
  });
});

describe('rendering', () => {
  it('writes the env key pair, webhook key, Redis and URLs into both files', () => {
    const env = deploymentEnv({ CONTROL_PORT: '9100', LIVEKIT_EGRESS_URL: 'http://livekit:7880/' });
    const livekit = parse(rendered(env).livekitYaml);
    const egress = parse(rendered(env).egressYaml);
    expect(livekit.keys).toEqual({ [env.LIVEKIT_API_KEY as string]: env.LIVEKIT_API_SECRET });
    expect(livekit.webhook).toEqual({
      api_key: env.LIVEKIT_API_KEY,
      urls: ['http://controller:9100/webhooks/livekit'],
    });
    expect(egress).toMatchObject({
      api_key: env.LIVEKIT_API_KEY,
      api_secret: env.LIVEKIT_API_SECRET,
      ws_url: 'ws://livekit:7880',
      redis: { address: REDIS_ADDRESS },
    });
    expect(livekit.redis).toEqual({ address: REDIS_ADDRESS });
  });

  it('lists a separate webhook key next to the API key', () => {
    const env = deploymentEnv({
      LIVEKIT_WEBHOOK_API_KEY: 'WHkey',
      LIVEKIT_WEBHOOK_API_SECRET: randomSecret('webhook-secret'),
    });
    const livekit = parse(rendered(env).livekitYaml);
    expect(livekit.keys).toEqual({
      [env.LIVEKIT_API_KEY as string]: env.LIVEKIT_API_SECRET,
      WHkey: env.LIVEKIT_WEBHOOK_API_SECRET,
    });
    expect(livekit.webhook.api_key).toBe('WHkey');
  });

  it('keeps further webhook URLs written in the template (other controllers)', () => {
    const template = livekitTemplate.replace(
      '    - CONTROLLER_WEBHOOK_URL_PLACEHOLDER',
      '    - CONTROLLER_WEBHOOK_URL_PLACEHOLDER\n    - http://10.128.0.5:8789/webhooks/livekit',
    );
    const livekit = parse(renderLivekitYaml(template, loadConfig(deploymentEnv())));
    expect(livekit.webhook.urls).toEqual([
      'http://controller:8789/webhooks/livekit',
      'http://10.128.0.5:8789/webhooks/livekit',
    ]);
  });

  it("keeps LiveKit's CPU costs, so egress never admits a video composite LiveKit's sizing rules out", () => {
    const { egressYaml } = rendered(deploymentEnv());
    // A lowered room composite cost let a 2-vCPU machine admit a 720p composite it cannot carry.
    expect(parse(egressYaml).cpu_cost).toBeUndefined();
    expect(egressYaml).toContain('RECORDING_VIDEO=false');
  });

  it('round-trips: what it renders passes preflight against the same env', () => {
    const env = deploymentEnv();
    const files = { env: parseEnvFile(envFileText(env)), composeYaml, ...rendered(env) };
    expect(preflight(files)).toEqual([]);
  });
});

describe('npm run configure and npm run preflight', () => {
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'deploy-'));
    await mkdir(join(root, 'livekit'));
    for (const path of [PATHS.livekitTemplate, PATHS.egressTemplate, PATHS.compose]) {
      await copyFile(path, join(root, path));
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const cli = (script: string, envFile: string) =>
    run('npx', ['tsx', `deploy/${script}.ts`, '--root', root, '--env-file', envFile]).then(
      (result) => ({ code: 0, ...result }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('renders from the env file, then preflight passes; a later key change is caught', async () => {
    const envFile = join(root, 'production.env');
    await writeFile(envFile, envFileText(deploymentEnv()));
    const configured = await cli('configure', envFile);
    expect(configured.code, configured.stderr).toBe(0);
    expect((await stat(join(root, PATHS.egressRendered))).mode & 0o777).toBe(0o644);
    const passed = await cli('preflight', envFile);
    expect(passed.code, passed.stderr).toBe(0);

    // The user rotates the secret in the env file and forgets to configure again.
    await writeFile(envFile, envFileText(deploymentEnv()));
    const failed = await cli('preflight', envFile);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('egress.yaml: api_secret is not LIVEKIT_API_SECRET');
  }, 60_000);

  it('names a directory Docker made where a rendered file belongs, in configure and preflight', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'deploy-dir-'));
    try {
      await mkdir(join(dir, 'livekit'));
      for (const path of [PATHS.livekitTemplate, PATHS.egressTemplate, PATHS.compose]) {
        await copyFile(path, join(dir, path));
      }
      // What an old compose file's bind mount of a missing file leaves behind.
      await mkdir(join(dir, PATHS.egressRendered), { recursive: true });
      const envFile = join(dir, 'production.env');
      await writeFile(envFile, envFileText(deploymentEnv()));
      const inRoot = (script: string) =>
        run('npx', ['tsx', `deploy/${script}.ts`, '--root', dir, '--env-file', envFile]).then(
          (result) => ({ code: 0, ...result }),
          (error: { code: number; stdout: string; stderr: string }) => error,
        );
      const checked = await inRoot('preflight');
      expect(checked.code).toBe(1);
      expect(checked.stderr).toContain(
        `${PATHS.egressRendered}: is a directory (Docker created it when the file was mounted before it existed): remove it with sudo rm -r ${PATHS.egressRendered}`,
      );
      const configured = await inRoot('configure');
      expect(configured.code).toBe(1);
      expect(configured.stderr).not.toContain('EISDIR');
      expect(configured.stderr).toContain(`${PATHS.egressRendered} is a directory`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to render from an invalid env file and names the variables', async () => {
    const envFile = join(root, 'broken.env');
    await writeFile(envFile, 'LIVEKIT_API_KEY=abc\n');
    const result = await cli('configure', envFile);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('LIVEKIT_CONTROL_API_KEY');
    expect(result.stderr).toContain('FIREBASE_DATABASE_URL');
  }, 60_000);
});
