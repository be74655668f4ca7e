import { hostname } from 'node:os';
import { type Env, envSchema, SECRET_VARIABLES } from './env-schema.js';

export type LogLevel = Env['LOG_LEVEL'];
export type DownloadUrlMode = Env['DOWNLOAD_URL_MODE'];
export type RecordingLayout = Env['RECORDING_LAYOUT'];
export type RecordingPreset = Env['RECORDING_PRESET'];

/** The controller's configuration: parsed once at start-up, frozen, never read from env again. */
export interface Config {
  readonly livekit: {
    readonly apiKey: string;
    readonly apiSecret: string;
    /** Where the controller calls LiveKit's API (http or https). */
    readonly apiUrl: string;
    /** What browsers connect to (ws or wss); returned with every token. */
    readonly publicUrl: string;
    /** What the egress container connects to; written into egress.yaml. */
    readonly egressUrl: string;
    readonly webhookApiKey: string;
    readonly webhookApiSecret: string;
  };
  readonly control: {
    /** Names this controller in command claims; unique per controller sharing a database. */
    readonly controllerId: string;
    readonly host: string;
    readonly port: number;
    /** The shared secret trusted servers send as `x-api-key`. */
    readonly apiKey: string;
    readonly corsOrigins: readonly string[];
    /** Requests a minute on /token and the recording routes, per address and per identity. */
    readonly rateLimits: { readonly perIpPerMinute: number; readonly perIdentityPerMinute: number };
    readonly shutdownTimeoutMs: number;
  };
  readonly firebase: {
    readonly projectId: string;
    /** The service-account key pair; undefined: application default credentials. */
    readonly clientEmail: string | undefined;
    readonly privateKey: string | undefined;
    readonly databaseUrl: string;
    readonly storageBucket: string;
  };
  readonly recording: {
    readonly outputDir: string;
    /** The same directory as the egress container sees it (its file paths use this prefix). */
    readonly egressOutputDir: string;
    readonly layout: RecordingLayout;
    readonly preset: RecordingPreset;
    readonly deleteLocalAfterUpload: boolean;
    readonly downloadUrlMode: DownloadUrlMode;
    readonly egressStartTimeoutMs: number;
    /** `stopping` longer than this ends: its file uploaded if on disk, else `egress_lost`. */
    readonly egressStopTimeoutMs: number;
    readonly maxDurationMs: number;
    readonly idleTimeoutMs: number;
    /** The presets a start request may ask for; RECORDING_PRESET alone unless configured. */
    readonly allowedPresets: readonly RecordingPreset[];
    /** False: the machine records audio only, and a video request is refused (RECORDING_VIDEO). */
    readonly video: boolean;
    readonly retention: {
      /** Undefined: recordings are kept forever. */
      readonly days: number | undefined;
      /** true: the sweep only reports what it would delete. */
      readonly dryRun: boolean;
      readonly intervalMs: number;
    };
    readonly reconcileIntervalMs: number;
  };
  /** What a participant token from POST /token allows in its one room. */
  readonly tokens: {
    readonly ttlSeconds: number;
    readonly canPublish: boolean;
    readonly canSubscribe: boolean;
    readonly canPublishData: boolean;
    /** Whether a user signed in anonymously (Firebase) gets a token, and so joins a room. */
    readonly allowAnonymous: boolean;
  };
  readonly log: { readonly level: LogLevel };
  /** Undefined: /metrics is served on the API port only, behind the API key. */
  readonly metrics: { readonly host: string; readonly port: number | undefined };
}

export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

export class ConfigError extends Error {
  readonly code = 'invalid_config';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(
      [
        `The controller cannot start: ${problems.length} environment variable(s) missing or malformed.`,
        ...problems.map((problem) => `  - ${problem.variable}: ${problem.message}`),
        'See .env.livekit.example for what each variable means.',
      ].join('\n'),
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

function describeValue(variable: string, env: Environment): string {
  const value = env[variable];
  if (value === undefined || value.trim() === '' || SECRET_VARIABLES.has(variable)) return '';
  const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
  return ` (got ${JSON.stringify(shown)})`;
}

function crossFieldProblems(env: Environment): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const isSet = (name: string) => (env[name] ?? '').trim() !== '';
  if (!isSet('LIVEKIT_HOST') && !isSet('LIVEKIT_URL') && !isSet('LIVEKIT_WS_URL')) {
    problems.push({
      variable: 'LIVEKIT_HOST',
      message: 'is required (or set LIVEKIT_URL / LIVEKIT_WS_URL)',
    });
  }
  if (isSet('LIVEKIT_WEBHOOK_API_KEY') !== isSet('LIVEKIT_WEBHOOK_API_SECRET')) {
    const missing = isSet('LIVEKIT_WEBHOOK_API_KEY')
      ? 'LIVEKIT_WEBHOOK_API_SECRET'
      : 'LIVEKIT_WEBHOOK_API_KEY';
    problems.push({
      variable: missing,
      message: 'is required when its pair is set (or leave both unset to use the API key pair)',
    });
  }
  if (isSet('FIREBASE_CLIENT_EMAIL') !== isSet('FIREBASE_PRIVATE_KEY')) {
    const missing = isSet('FIREBASE_CLIENT_EMAIL')
      ? 'FIREBASE_PRIVATE_KEY'
      : 'FIREBASE_CLIENT_EMAIL';
    problems.push({
      variable: missing,
      message:
        "is required when its pair is set (or leave both unset to use the machine's service account)",
    });
  }
  return problems;
}

const toHttp = (url: string) => url.replace(/^ws/, 'http');
const toWs = (url: string) => url.replace(/^http/, 'ws');
const stripTrailingSlash = (url: string) => url.replace(/\/+$/, '');

/** Parses the environment into a Config, or throws one ConfigError naming every bad variable. */
export function loadConfig(env: Environment): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0] ?? 'environment');
        return { variable, message: `${issue.message}${describeValue(variable, env)}` };
      });
  problems.push(...crossFieldProblems(env));
  if (!parsed.success || problems.length > 0) {
    const seen = new Set<string>();
    const order = Object.keys(envSchema.shape);
    throw new ConfigError(
      problems
        .filter((problem) => !seen.has(problem.variable) && seen.add(problem.variable))
        .sort((a, b) => order.indexOf(a.variable) - order.indexOf(b.variable)),
    );
  }
  const e = parsed.data;
  // LIVEKIT_URL / LIVEKIT_WS_URL are internal overrides that win over LIVEKIT_HOST (URL first; the
  // README's configuration table).
  const internalUrl = e.LIVEKIT_URL ?? e.LIVEKIT_WS_URL ?? e.LIVEKIT_HOST;
  const publicUrl = e.LIVEKIT_HOST ?? internalUrl;
  if (internalUrl === undefined || publicUrl === undefined) {
    throw new ConfigError([{ variable: 'LIVEKIT_HOST', message: 'is required' }]);
  }
  const config: Config = {
    livekit: {
      apiKey: e.LIVEKIT_API_KEY,
      apiSecret: e.LIVEKIT_API_SECRET,
      apiUrl: stripTrailingSlash(toHttp(internalUrl)),
      publicUrl: stripTrailingSlash(toWs(publicUrl)),
      egressUrl: stripTrailingSlash(e.LIVEKIT_EGRESS_URL),
      webhookApiKey: e.LIVEKIT_WEBHOOK_API_KEY ?? e.LIVEKIT_API_KEY,
      webhookApiSecret: e.LIVEKIT_WEBHOOK_API_SECRET ?? e.LIVEKIT_API_SECRET,
    },
    control: {
      controllerId: e.CONTROLLER_ID ?? hostname(),
      host: e.CONTROL_HOST,
      port: e.CONTROL_PORT,
      apiKey: e.LIVEKIT_CONTROL_API_KEY,
      corsOrigins: Object.freeze(e.CORS_ORIGINS),
      rateLimits: {
        perIpPerMinute: e.RATE_LIMIT_PER_IP_PER_MINUTE,
        perIdentityPerMinute: e.RATE_LIMIT_PER_IDENTITY_PER_MINUTE,
      },
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_S * 1000,
    },
    firebase: {
      projectId: e.FIREBASE_PROJECT_ID,
      clientEmail: e.FIREBASE_CLIENT_EMAIL,
      privateKey: e.FIREBASE_PRIVATE_KEY,
      databaseUrl: stripTrailingSlash(e.FIREBASE_DATABASE_URL),
      storageBucket: e.FIREBASE_STORAGE_BUCKET,
    },
    recording: {
      outputDir: e.RECORDING_OUTPUT_DIR,
      egressOutputDir: e.EGRESS_OUTPUT_DIR ?? e.RECORDING_OUTPUT_DIR,
      layout: e.RECORDING_LAYOUT,
      preset: e.RECORDING_PRESET,
      deleteLocalAfterUpload: e.DELETE_LOCAL_AFTER_UPLOAD,
      downloadUrlMode: e.DOWNLOAD_URL_MODE,
      egressStartTimeoutMs: e.EGRESS_START_TIMEOUT_S * 1000,
      egressStopTimeoutMs: e.EGRESS_STOP_TIMEOUT_S * 1000,
      maxDurationMs: e.RECORDING_MAX_DURATION_S * 1000,
      idleTimeoutMs: e.RECORDING_IDLE_TIMEOUT_S * 1000,
      allowedPresets: e.RECORDING_ALLOWED_PRESETS ?? [e.RECORDING_PRESET],
      video: e.RECORDING_VIDEO,
      retention: {
        days: e.RECORDING_RETENTION_DAYS,
        dryRun: e.RECORDING_RETENTION_DRY_RUN,
        intervalMs: e.RECORDING_RETENTION_INTERVAL_S * 1000,
      },
      reconcileIntervalMs: e.RECONCILE_INTERVAL_S * 1000,
    },
    tokens: {
      ttlSeconds: e.TOKEN_TTL_S,
      canPublish: e.TOKEN_CAN_PUBLISH,
      canSubscribe: e.TOKEN_CAN_SUBSCRIBE,
      canPublishData: e.TOKEN_CAN_PUBLISH_DATA,
      allowAnonymous: e.ALLOW_ANONYMOUS,
    },
    log: { level: e.LOG_LEVEL },
    metrics: { host: e.METRICS_HOST, port: e.METRICS_PORT },
  };
  return deepFreeze(config);
}

/**
 * For a command's entry point: the Config, or undefined once the ConfigError's sentence (every
 * bad variable) has been written to stderr. Any other error still throws.
 */
export function loadConfigOrExplain(env: Environment): Config | undefined {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (typeof child === 'object' && child !== null) deepFreeze(child);
  }
  return Object.freeze(value);
}
