import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../../controller/config/load-config.js';
import { PATHS } from '../../deploy/cli-options.js';
import { parseEnvFile } from '../../deploy/env-file.js';
import { credentialNotes, type DeploymentFiles, preflight } from '../../deploy/preflight-checks.js';
import { renderEgressYaml, renderLivekitYaml } from '../../deploy/render.js';
import { deploymentEnv, envFileText } from '../support/deploy-env.js';
import { generatedPrivateKey } from '../support/stack-wiring.js';
import { randomSecret } from '../support/test-env.js';

const livekitTemplate = await readFile(PATHS.livekitTemplate, 'utf8');
const egressTemplate = await readFile(PATHS.egressTemplate, 'utf8');
const composeYaml = await readFile(PATHS.compose, 'utf8');

/** A configuration as `npm run configure` leaves it. */
/** A consistent set of files, rendered by configure from the env (with `overrides`). */
function goodFiles(
  overrides: Record<string, string | undefined> = {},
): DeploymentFiles & { values: Record<string, string> } {
  const values = deploymentEnv(overrides);
  const config = loadConfig(values);
  return {
    values,
    env: parseEnvFile(envFileText(values)),
    livekitYaml: renderLivekitYaml(livekitTemplate, config),
    egressYaml: renderEgressYaml(egressTemplate, config),
    composeYaml,
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a test plants a mistake in any field of the YAML.
type Yaml = Record<string, any>;

const edit = (source: string | undefined, change: (doc: Yaml) => void) => {
  const doc = parse(source ?? '');
  change(doc);
  return stringify(doc);
};

const subjects = (files: DeploymentFiles) => preflight(files).map((p) => p.subject);
const messages = (files: DeploymentFiles) =>
  preflight(files).map((p) => `${p.subject}: ${p.message}`);

describe('preflight', () => {
  it('passes a configuration rendered by configure', () => {
    expect(preflight(goodFiles())).toEqual([]);
  });

  it('names every planted mistake at once', () => {
    const good = goodFiles();
    const env = {
      ...good.values,
      FIREBASE_DATABASE_URL: 'not a url',
      LIVEKIT_HOST: 'http://livekit.example.com',
      LIVEKIT_CONTROL_API_KEY: 'short',
      EGRESS_OUTPUT_DIR: '/srv/recordings',
    };
    delete (env as Record<string, string | undefined>).FIREBASE_PROJECT_ID;
    const files: DeploymentFiles = {
      env: parseEnvFile(envFileText(env)),
      livekitYaml: edit(good.livekitYaml, (doc) => {
        doc.webhook.urls = ['http://localhost:3000/webhook'];
        doc.redis.address = 'redis:6380';
      }),
      egressYaml: edit(good.egressYaml, (doc) => {
        doc.api_secret = randomSecret('other');
      }),
      composeYaml,
    };
    const found = messages(files);
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FIREBASE_PROJECT_ID: is required/),
        expect.stringMatching(/^FIREBASE_DATABASE_URL: must be an http\(s\) URL/),
        expect.stringMatching(/^LIVEKIT_HOST: .*must be https:\/\//),
        expect.stringMatching(/^LIVEKIT_CONTROL_API_KEY: is weak/),
        expect.stringMatching(
          /livekit\.yaml: webhook\.urls must include http:\/\/controller:8789\/webhooks\/livekit/,
        ),
        expect.stringMatching(/egress\.yaml: api_secret is not LIVEKIT_API_SECRET/),
        expect.stringMatching(/egress\.yaml: redis .* is not LiveKit's/),
        expect.stringMatching(/^EGRESS_OUTPUT_DIR: egress would write to \/srv\/recordings/),
      ]),
    );
    expect(found).toHaveLength(8);
  });

  it('names a webhook key that LiveKit does not hold, or a webhook key the controller does not use', () => {
    const good = goodFiles();
    const files = {
      ...good,
      livekitYaml: edit(good.livekitYaml, (doc) => {
        doc.webhook.api_key = 'someOtherKey';
      }),
    };
    expect(messages(files)).toEqual([
      expect.stringMatching(/webhook\.api_key is not the controller webhook key/),
    ]);
    // The env gained a separate webhook key, but the YAML was rendered before it.
    const stale = {
      ...good,
      env: parseEnvFile(
        envFileText({
          ...good.values,
          LIVEKIT_WEBHOOK_API_KEY: 'WHkey',
          LIVEKIT_WEBHOOK_API_SECRET: randomSecret('webhook-secret'),
        }),
      ),
    };
    expect(messages(stale)).toEqual([
      expect.stringMatching(/webhook\.api_key is not the controller webhook key/),
      expect.stringMatching(/keys does not hold the webhook key with its secret/),
    ]);
  });

  it('names a missing webhook block and a missing Redis', () => {
    const good = goodFiles();
    const files = {
      ...good,
      livekitYaml: edit(good.livekitYaml, (doc) => {
        delete doc.webhook;
        delete doc.redis;
      }),
    };
    expect(messages(files)).toEqual([
      expect.stringMatching(/has no webhook block/),
      expect.stringMatching(/has no redis\.address/),
      expect.stringMatching(/egress\.yaml: redis/),
    ]);
  });

  it('names a private key pasted with real line breaks instead of \\n sequences', () => {
    const good = goodFiles();
    const text = envFileText(good.values).replace(
      /FIREBASE_PRIVATE_KEY=.*\n/,
      `FIREBASE_PRIVATE_KEY="${generatedPrivateKey()}"\n`,
    );
    expect(subjects({ ...good, env: parseEnvFile(text) })).toEqual(['FIREBASE_PRIVATE_KEY']);
  });

  it('names a missing public URL when only the internal LiveKit URL is set', () => {
    const good = goodFiles();
    const env = { ...good.values, LIVEKIT_URL: 'http://livekit:7880' };
    delete (env as Record<string, string | undefined>).LIVEKIT_HOST;
    expect(messages({ ...good, env: parseEnvFile(envFileText(env)) })).toEqual([
      expect.stringMatching(/^LIVEKIT_HOST: is required on the VM/),
    ]);
  });

  it('names a rendered file edited by hand or older than its template', () => {
    const good = goodFiles();
    const templates = { livekitYaml: livekitTemplate, egressYaml: egressTemplate };
    expect(preflight({ ...good, templates })).toEqual([]);
    const files = {
      ...good,
      templates: {
        ...templates,
        egressYaml: egressTemplate.replace('health_port: 7982', 'health_port: 7983'),
      },
      livekitYaml: `${good.livekitYaml}# tuned by hand\n`,
    };
    expect(messages(files)).toEqual([
      expect.stringMatching(
        /^livekit\/rendered\/livekit\.yaml: differs from what npm run configure renders/,
      ),
      expect.stringMatching(
        /^livekit\/rendered\/egress\.yaml: differs from what npm run configure renders/,
      ),
    ]);
  });

  it("passes without a service-account key, and says which download links need the VM account's signBlob", () => {
    // deploymentEnv leaves out what is undefined: an env file without the key pair.
    const files = goodFiles({ FIREBASE_CLIENT_EMAIL: undefined, FIREBASE_PRIVATE_KEY: undefined });
    const keyless = files.values;
    expect(keyless.FIREBASE_PRIVATE_KEY).toBeUndefined();
    expect(preflight(files)).toEqual([]);
    expect(credentialNotes(keyless)).toEqual([
      expect.stringContaining('application default credentials'),
      expect.stringContaining('token links (DOWNLOAD_URL_MODE=token): they need no key'),
    ]);
    expect(credentialNotes({ ...keyless, DOWNLOAD_URL_MODE: 'signed' })[1]).toContain(
      'iam.serviceAccounts.signBlob',
    );
    expect(credentialNotes(goodFiles().values)).toEqual([]);
  });

  it('names default and placeholder secrets', () => {
    const good = goodFiles();
    const env = { ...good.values, LIVEKIT_API_KEY: 'devkey', LIVEKIT_API_SECRET: 'secret' };
    const config = loadConfig(env);
    const files = {
      env: parseEnvFile(envFileText(env)),
      livekitYaml: renderLivekitYaml(livekitTemplate, config),
      egressYaml: renderEgressYaml(egressTemplate, config),
      composeYaml,
    };
    expect(messages(files)).toEqual([
      'LIVEKIT_API_KEY: is a default or placeholder value: generate one',
      'LIVEKIT_API_SECRET: is a default or placeholder value: generate one',
    ]);
  });

  it('names an output directory the containers do not mount, and YAML not rendered yet', () => {
    const good = goodFiles();
    const env = { ...good.values, RECORDING_OUTPUT_DIR: '/data' };
    const files = {
      ...good,
      env: parseEnvFile(envFileText(env)),
      livekitYaml: undefined,
      egressYaml: undefined,
    };
    expect(messages(files)).toEqual([
      'livekit/rendered/livekit.yaml: does not exist: run npm run configure',
      'livekit/rendered/egress.yaml: does not exist: run npm run configure',
      expect.stringMatching(
        /^RECORDING_OUTPUT_DIR: is \/data but the controller mounts .* at \/recordings/,
      ),
      expect.stringMatching(/^RECORDING_OUTPUT_DIR: egress would write to \/data/),
    ]);
  });
});
