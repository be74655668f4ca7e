import { parse } from 'yaml';
import { envSchema } from '../controller/config/env-schema.js';
import { ConfigError, loadConfig } from '../controller/config/load-config.js';
import type { EnvFile } from './env-file.js';
import { renderEgressYaml, renderLivekitYaml } from './render.js';

/**
 * Preflight's rules: each a pure function from the configuration files' text to the problems
 * it finds, so `npm run preflight` names every problem at once before `docker compose up`.
 */
export interface Problem {
  /** The variable or file that has to change. */
  readonly subject: string;
  readonly message: string;
}

export interface DeploymentFiles {
  readonly env: EnvFile;
  /**
   * Rendered livekit/rendered/livekit.yaml, undefined when it does not exist yet, or `directory`
   * when a directory stands where the file belongs.
   */
  readonly livekitYaml: string | undefined | 'directory';
  readonly egressYaml: string | undefined | 'directory';
  readonly composeYaml: string;
  /** The templates; given, preflight also names rendered files that configure would change. */
  readonly templates?: { readonly livekitYaml: string; readonly egressYaml: string };
}

type Env = EnvFile['values'];
type Field = keyof typeof envSchema.shape;

/** One variable as the controller would read it (its default applied), or undefined if invalid. */
function field(env: Env, name: Field): unknown {
  const parsed = envSchema.shape[name].safeParse(env[name]);
  return parsed.success ? parsed.data : undefined;
}

const text = (env: Env, name: Field) => {
  const value = field(env, name);
  return typeof value === 'string' ? value : undefined;
};

export function variableProblems(env: Env): Problem[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((p) => ({ subject: p.variable, message: p.message }));
  }
}

export function privateKeyProblems(file: EnvFile): Problem[] {
  const raw = file.values.FIREBASE_PRIVATE_KEY;
  if (raw === undefined || raw.trim() === '') return [];
  if (file.multiline.includes('FIREBASE_PRIVATE_KEY') || !raw.includes('\\n')) {
    return [
      {
        subject: 'FIREBASE_PRIVATE_KEY',
        message:
          'must be on one line with its newlines written as the two characters \\n (copy private_key from the service-account JSON as it is)',
      },
    ];
  }
  return [];
}

export function publicUrlProblems(env: Env): Problem[] {
  const host = text(env, 'LIVEKIT_HOST');
  if (host === undefined && (text(env, 'LIVEKIT_URL') ?? text(env, 'LIVEKIT_WS_URL'))) {
    return [
      {
        subject: 'LIVEKIT_HOST',
        message:
          'is required on the VM: browsers get it with every token, and LIVEKIT_URL / LIVEKIT_WS_URL is the internal address',
      },
    ];
  }
  if (host === undefined || !/^(http|ws):\/\//.test(host)) return [];
  return [
    {
      subject: 'LIVEKIT_HOST',
      message: `is the public URL browsers use and must be https:// (or wss://): browsers refuse camera access and mixed content on plain ${host.split(':')[0]}`,
    },
  ];
}

const KNOWN_DEFAULTS = new Set(['secret', 'devkey', 'changeme', 'change-me', 'password', 'test']);
const MIN_SECRET_LENGTH = 32;

export function weakSecretProblems(env: Env): Problem[] {
  const problems: Problem[] = [];
  const check = (name: Field, minLength: number) => {
    const value = text(env, name);
    if (value === undefined) return;
    if (KNOWN_DEFAULTS.has(value.toLowerCase()) || /PLACEHOLDER|\.\.\./.test(value)) {
      problems.push({ subject: name, message: 'is a default or placeholder value: generate one' });
    } else if (value.length < minLength) {
      problems.push({
        subject: name,
        message: `is weak: use at least ${minLength} random characters (openssl rand -base64 32)`,
      });
    }
  };
  check('LIVEKIT_API_KEY', 3);
  check('LIVEKIT_API_SECRET', MIN_SECRET_LENGTH);
  check('LIVEKIT_WEBHOOK_API_SECRET', MIN_SECRET_LENGTH);
  check('LIVEKIT_CONTROL_API_KEY', MIN_SECRET_LENGTH);
  return problems;
}

interface YamlMap {
  readonly [key: string]: unknown;
}

function parseYaml(subject: string, source: string | undefined, problems: Problem[]) {
  if (source === undefined) {
    problems.push({ subject, message: 'does not exist: run npm run configure' });
    return undefined;
  }
  if (source === 'directory') {
    problems.push({ subject, message: renderedDirectoryMessage(subject) });
    return undefined;
  }
  try {
    const value: unknown = parse(source);
    if (typeof value === 'object' && value !== null) return value as YamlMap;
  } catch {
    // reported below
  }
  problems.push({ subject, message: 'is not a YAML mapping' });
  return undefined;
}

const at = (map: YamlMap | undefined, ...path: string[]): unknown =>
  path.reduce<unknown>(
    (node, key) => (typeof node === 'object' && node !== null ? (node as YamlMap)[key] : undefined),
    map,
  );

/**
 * What to do about a directory where a rendered file belongs: Docker made it, root-owned, when a
 * compose file mounted the file before it existed (docker-compose.yml now mounts the folder).
 */
export const renderedDirectoryMessage = (path: string) =>
  `is a directory (Docker created it when the file was mounted before it existed): remove it with sudo rm -r ${path}, then npm run configure`;

const LIVEKIT = 'livekit/rendered/livekit.yaml';
const EGRESS = 'livekit/rendered/egress.yaml';

export function yamlProblems(files: DeploymentFiles): Problem[] {
  const problems: Problem[] = [];
  const env = files.env.values;
  const livekit = parseYaml(LIVEKIT, files.livekitYaml, problems);
  const egress = parseYaml(EGRESS, files.egressYaml, problems);
  const apiKey = text(env, 'LIVEKIT_API_KEY');
  const apiSecret = text(env, 'LIVEKIT_API_SECRET');
  const webhookKey = text(env, 'LIVEKIT_WEBHOOK_API_KEY') ?? apiKey;
  const webhookSecret = text(env, 'LIVEKIT_WEBHOOK_API_SECRET') ?? apiSecret;
  const port = field(env, 'CONTROL_PORT');

  if (livekit !== undefined) {
    const keys = at(livekit, 'keys');
    const keyOf = (key: string | undefined) =>
      key !== undefined && typeof keys === 'object' && keys !== null
        ? (keys as YamlMap)[key]
        : undefined;
    if (apiKey !== undefined && keyOf(apiKey) !== apiSecret) {
      problems.push({
        subject: LIVEKIT,
        message:
          'keys does not hold LIVEKIT_API_KEY with LIVEKIT_API_SECRET: run npm run configure',
      });
    }
    if (at(livekit, 'webhook') === undefined) {
      problems.push({
        subject: LIVEKIT,
        message: 'has no webhook block: LiveKit would send the controller no events',
      });
    } else {
      if (webhookKey !== undefined && at(livekit, 'webhook', 'api_key') !== webhookKey) {
        problems.push({
          subject: LIVEKIT,
          message:
            'webhook.api_key is not the controller webhook key (LIVEKIT_WEBHOOK_API_KEY, or LIVEKIT_API_KEY)',
        });
      }
      if (webhookKey !== undefined && keyOf(webhookKey) !== webhookSecret) {
        problems.push({
          subject: LIVEKIT,
          message:
            'keys does not hold the webhook key with its secret: LiveKit refuses to start, or signs with a secret the controller rejects',
        });
      }
      const expected = `http://controller:${String(port ?? 8789)}/webhooks/livekit`;
      const urls = at(livekit, 'webhook', 'urls');
      if (!Array.isArray(urls) || !urls.includes(expected)) {
        problems.push({
          subject: LIVEKIT,
          message: `webhook.urls must include ${expected} (the controller's webhook route and CONTROL_PORT)`,
        });
      }
    }
  }

  if (egress !== undefined) {
    if (apiKey !== undefined && at(egress, 'api_key') !== apiKey) {
      problems.push({ subject: EGRESS, message: 'api_key is not LIVEKIT_API_KEY' });
    }
    if (apiSecret !== undefined && at(egress, 'api_secret') !== apiSecret) {
      problems.push({ subject: EGRESS, message: 'api_secret is not LIVEKIT_API_SECRET' });
    }
    const egressUrl = text(env, 'LIVEKIT_EGRESS_URL');
    const wsUrl = egressUrl?.replace(/\/+$/, '').replace(/^http/, 'ws');
    if (wsUrl !== undefined && String(at(egress, 'ws_url')).replace(/\/+$/, '') !== wsUrl) {
      problems.push({ subject: EGRESS, message: `ws_url is not ${wsUrl} (LIVEKIT_EGRESS_URL)` });
    }
  }

  if (livekit !== undefined && egress !== undefined) {
    const redis = (map: YamlMap) => ({
      address: at(map, 'redis', 'address'),
      db: at(map, 'redis', 'db') ?? 0,
    });
    const [a, b] = [redis(livekit), redis(egress)];
    if (typeof a.address !== 'string' || a.address === '') {
      problems.push({
        subject: LIVEKIT,
        message: 'has no redis.address: egress cannot reach LiveKit without Redis',
      });
    }
    if (a.address !== b.address || a.db !== b.db) {
      problems.push({
        subject: EGRESS,
        message: `redis (${String(b.address)}, db ${String(b.db)}) is not LiveKit's (${String(a.address)}, db ${String(a.db)}): egress would get no jobs ("no response from servers")`,
      });
    }
  }
  return problems;
}

/** Where a service mounts the named volume `volume` in docker-compose.yml. */
function mountTarget(compose: YamlMap | undefined, service: string, volume: string) {
  const volumes = at(compose, 'services', service, 'volumes');
  if (!Array.isArray(volumes)) return undefined;
  for (const entry of volumes) {
    if (typeof entry === 'string') {
      const [source, target] = entry.split(':');
      if (source === volume) return target;
    } else if (at(entry as YamlMap, 'source') === volume) {
      return at(entry as YamlMap, 'target') as string | undefined;
    }
  }
  return undefined;
}

export function outputDirProblems(files: DeploymentFiles): Problem[] {
  const problems: Problem[] = [];
  const compose = parseYaml('docker-compose.yml', files.composeYaml, problems);
  const env = files.env.values;
  const recordingDir = text(env, 'RECORDING_OUTPUT_DIR');
  const egressDir = text(env, 'EGRESS_OUTPUT_DIR') ?? recordingDir;
  const controllerMount = mountTarget(compose, 'controller', 'recordings');
  const egressMount = mountTarget(compose, 'egress', 'recordings');
  if (recordingDir !== undefined && controllerMount !== recordingDir) {
    problems.push({
      subject: 'RECORDING_OUTPUT_DIR',
      message: `is ${recordingDir} but the controller mounts the recordings volume at ${String(controllerMount)}`,
    });
  }
  if (egressDir !== undefined && egressMount !== egressDir) {
    problems.push({
      subject:
        text(env, 'EGRESS_OUTPUT_DIR') === undefined ? 'RECORDING_OUTPUT_DIR' : 'EGRESS_OUTPUT_DIR',
      message: `egress would write to ${egressDir} but mounts the recordings volume at ${String(egressMount)}`,
    });
  }
  return problems;
}

/** Rendered files that differ from what `npm run configure` renders now (edited or stale). */
export function staleRenderProblems(files: DeploymentFiles): Problem[] {
  if (files.templates === undefined) return [];
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(files.env.values);
  } catch {
    return []; // variableProblems names why
  }
  const pairs = [
    [LIVEKIT, files.livekitYaml, renderLivekitYaml(files.templates.livekitYaml, config)],
    [EGRESS, files.egressYaml, renderEgressYaml(files.templates.egressYaml, config)],
  ] as const;
  return pairs
    .filter(
      ([, rendered, expected]) =>
        rendered !== undefined && rendered !== 'directory' && rendered !== expected,
    )
    .map(([subject]) => ({
      subject,
      message:
        'differs from what npm run configure renders from the template and the env file: edit the template, not this file, and run npm run configure',
    }));
}

/**
 * What preflight says without failing: how the controller signs in to Firebase when the env file
 * holds no service-account key, and what that means for download links.
 */
export function credentialNotes(env: Env): string[] {
  if (text(env, 'FIREBASE_CLIENT_EMAIL') !== undefined) return [];
  if ((env.FIREBASE_PRIVATE_KEY ?? '').trim() !== '') return [];
  const notes = [
    "no FIREBASE_CLIENT_EMAIL/FIREBASE_PRIVATE_KEY: the controller signs in as the VM's service account (application default credentials), which needs the roles of docs/deployment.md, section 4",
  ];
  notes.push(
    field(env, 'DOWNLOAD_URL_MODE') === 'signed'
      ? 'DOWNLOAD_URL_MODE=signed without a key: that account must hold iam.serviceAccounts.signBlob on itself (roles/iam.serviceAccountTokenCreator), or links fail; token links need neither'
      : 'download links are token links (DOWNLOAD_URL_MODE=token): they need no key',
  );
  return notes;
}

/** Every problem at once, in the order a reader fixes them. */
export function preflight(files: DeploymentFiles): Problem[] {
  const env = files.env.values;
  return [
    ...variableProblems(env),
    ...privateKeyProblems(files.env),
    ...publicUrlProblems(env),
    ...weakSecretProblems(env),
    ...yamlProblems(files),
    ...outputDirProblems(files),
    ...staleRenderProblems(files),
  ];
}
