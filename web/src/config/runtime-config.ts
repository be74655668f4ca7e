/**
 * The SPA's runtime settings (README "Web app"), read once at start from
 * `window.__CHATSPHERES_CONFIG__` and the `data-*` attributes of `<body>`. Per setting, a
 * non-empty value in the window object wins over the attribute, so a hosting setup can ship
 * placeholders in index.html and still override one setting from a script. Pure: no DOM.
 */

import {
  RECORDING_PRESETS,
  type RecordingPreset,
} from '../../../common/recording/recording-options.js';

/** The Firebase web app config, as the Firebase console shows it (only these keys are read). */
export interface FirebaseWebConfig {
  readonly apiKey: string;
  readonly authDomain?: string;
  readonly projectId: string;
  readonly databaseURL: string;
  readonly storageBucket?: string;
  readonly appId?: string;
}

/** Local Firebase emulators (the `npm run local` stack); absent in production. */
export interface FirebaseEmulators {
  /** e.g. `http://127.0.0.1:9099` */
  readonly auth?: string;
  /** e.g. `127.0.0.1:9000` */
  readonly database?: string;
}

export const SIGN_IN_METHODS = ['password', 'google', 'anonymous'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

export interface RuntimeConfig {
  readonly livekitUrl: string;
  readonly controlApiBaseUrl?: string;
  readonly tokenEndpoint: string;
  readonly recordingsEndpoint?: string;
  /** Read so a page written for the seed's config keeps working; the SPA never sends it. */
  readonly controlApiKey?: string;
  readonly firebase: FirebaseWebConfig;
  readonly firebaseEmulators: FirebaseEmulators;
  readonly signInMethods: readonly SignInMethod[];
  /** The quality presets offered beside Record (the controller's RECORDING_ALLOWED_PRESETS); none: no choice. */
  readonly recordingPresets: readonly RecordingPreset[];
}

/** What a page may set, in either form (everything optional: validation names what is missing). */
export interface RawRuntimeConfig {
  livekitUrl?: unknown;
  controlApiBaseUrl?: unknown;
  controlApiKey?: unknown;
  tokenEndpoint?: unknown;
  recordingsEndpoint?: unknown;
  firebase?: unknown;
  firebaseEmulators?: unknown;
  signInMethods?: unknown;
  recordingPresets?: unknown;
}

/** `<body>` attribute (as `dataset` names it) → setting. JSON-valued ones are parsed. */
export const BODY_ATTRIBUTES = {
  livekitUrl: 'data-livekit-url',
  controlApiBaseUrl: 'data-livekit-control',
  controlApiKey: 'data-livekit-control-key',
  tokenEndpoint: 'data-livekit-token',
  recordingsEndpoint: 'data-livekit-recordings',
  firebase: 'data-firebase-config',
  firebaseEmulators: 'data-firebase-emulators',
  signInMethods: 'data-sign-in-methods',
  recordingPresets: 'data-recording-presets',
} as const satisfies Record<keyof RawRuntimeConfig, string>;

const JSON_SETTINGS: ReadonlySet<keyof RawRuntimeConfig> = new Set([
  'firebase',
  'firebaseEmulators',
]);

export type RuntimeConfigResult =
  | { readonly ok: true; readonly config: RuntimeConfig }
  | { readonly ok: false; readonly problems: readonly string[] };

const isBlank = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** The attributes of `<body>` as a raw config; a JSON attribute that does not parse is a problem. */
export function configFromAttributes(attributes: Readonly<Record<string, string | undefined>>): {
  raw: RawRuntimeConfig;
  problems: string[];
} {
  const raw: RawRuntimeConfig = {};
  const problems: string[] = [];
  for (const [setting, attribute] of Object.entries(BODY_ATTRIBUTES) as [
    keyof RawRuntimeConfig,
    string,
  ][]) {
    const value = attributes[attribute];
    if (isBlank(value)) continue;
    if (!JSON_SETTINGS.has(setting)) {
      raw[setting] = value?.trim();
      continue;
    }
    try {
      raw[setting] = JSON.parse(value ?? '');
    } catch {
      problems.push(`${attribute} is not valid JSON`);
    }
  }
  return { raw, problems };
}

function httpUrl(value: unknown, name: string, problems: string[], protocols: string[]) {
  if (isBlank(value)) return undefined;
  try {
    const url = new URL(String(value));
    if (!protocols.includes(url.protocol)) {
      problems.push(`${name} must be a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL`);
      return undefined;
    }
    return String(value).replace(/\/+$/, '');
  } catch {
    problems.push(`${name} must be a URL`);
    return undefined;
  }
}

function firebaseConfig(value: unknown, problems: string[]): FirebaseWebConfig | undefined {
  if (isBlank(value)) {
    problems.push('firebase (the Firebase web config: apiKey, projectId, databaseURL) is missing');
    return undefined;
  }
  if (typeof value !== 'object' || value === null) {
    problems.push('firebase must be an object');
    return undefined;
  }
  const fields = value as Record<string, unknown>;
  const missing = (['apiKey', 'projectId', 'databaseURL'] as const).filter((key) =>
    isBlank(fields[key]),
  );
  for (const key of missing) problems.push(`firebase.${key} is missing`);
  if (missing.length > 0) return undefined;
  const optional = (key: string) =>
    typeof fields[key] === 'string' && fields[key] !== '' ? { [key]: fields[key] } : {};
  return {
    apiKey: String(fields.apiKey),
    projectId: String(fields.projectId),
    databaseURL: String(fields.databaseURL),
    ...optional('authDomain'),
    ...optional('storageBucket'),
    ...optional('appId'),
  };
}

function signInMethods(value: unknown, problems: string[]): SignInMethod[] {
  if (isBlank(value)) return ['password', 'google'];
  const list = Array.isArray(value) ? value : String(value).split(',');
  const methods: SignInMethod[] = [];
  for (const item of list.map((entry) => String(entry).trim()).filter((entry) => entry !== '')) {
    if ((SIGN_IN_METHODS as readonly string[]).includes(item)) methods.push(item as SignInMethod);
    else problems.push(`signInMethods: "${item}" is not one of ${SIGN_IN_METHODS.join(', ')}`);
  }
  if (methods.length === 0 && problems.length === 0) problems.push('signInMethods is empty');
  return methods;
}

function recordingPresets(value: unknown, problems: string[]): RecordingPreset[] {
  if (isBlank(value)) return [];
  const list = Array.isArray(value) ? value : String(value).split(',');
  const presets: RecordingPreset[] = [];
  for (const item of list.map((entry) => String(entry).trim()).filter((entry) => entry !== '')) {
    if ((RECORDING_PRESETS as readonly string[]).includes(item)) {
      if (!presets.includes(item as RecordingPreset)) presets.push(item as RecordingPreset);
    } else {
      problems.push(`recordingPresets: "${item}" is not one of ${RECORDING_PRESETS.join(', ')}`);
    }
  }
  return presets;
}

/**
 * Merges the window object over the attributes, fills the endpoints from `controlApiBaseUrl`
 * (`/token`, `/recordings`) when not given, and names every missing or malformed setting.
 */
export function resolveRuntimeConfig(
  fromWindow: RawRuntimeConfig | undefined,
  fromAttributes: RawRuntimeConfig,
): RuntimeConfigResult {
  const problems: string[] = [];
  const merged: RawRuntimeConfig = { ...fromAttributes };
  for (const [key, value] of Object.entries(fromWindow ?? {})) {
    if (!isBlank(value)) merged[key as keyof RawRuntimeConfig] = value;
  }
  const livekitUrl = httpUrl(merged.livekitUrl, 'livekitUrl', problems, [
    'ws:',
    'wss:',
    'http:',
    'https:',
  ]);
  if (isBlank(merged.livekitUrl)) problems.push('livekitUrl (data-livekit-url) is missing');
  const base = httpUrl(merged.controlApiBaseUrl, 'controlApiBaseUrl', problems, [
    'http:',
    'https:',
  ]);
  const tokenEndpoint =
    httpUrl(merged.tokenEndpoint, 'tokenEndpoint', problems, ['http:', 'https:']) ??
    (base === undefined ? undefined : `${base}/token`);
  if (tokenEndpoint === undefined && isBlank(merged.tokenEndpoint)) {
    problems.push(
      'tokenEndpoint (data-livekit-token) is missing, and no controlApiBaseUrl (data-livekit-control) to derive it from',
    );
  }
  const recordingsEndpoint =
    httpUrl(merged.recordingsEndpoint, 'recordingsEndpoint', problems, ['http:', 'https:']) ??
    (base === undefined ? undefined : `${base}/recordings`);
  const firebase = firebaseConfig(merged.firebase, problems);
  const emulators =
    typeof merged.firebaseEmulators === 'object' && merged.firebaseEmulators !== null
      ? (merged.firebaseEmulators as Record<string, unknown>)
      : {};
  const methods = signInMethods(merged.signInMethods, problems);
  const presets = recordingPresets(merged.recordingPresets, problems);
  if (problems.length > 0 || livekitUrl === undefined || tokenEndpoint === undefined || !firebase) {
    return { ok: false, problems };
  }
  return {
    ok: true,
    config: {
      livekitUrl,
      tokenEndpoint,
      firebase,
      signInMethods: methods,
      recordingPresets: presets,
      firebaseEmulators: {
        ...(typeof emulators.auth === 'string' ? { auth: emulators.auth } : {}),
        ...(typeof emulators.database === 'string' ? { database: emulators.database } : {}),
      },
      ...(base === undefined ? {} : { controlApiBaseUrl: base }),
      ...(recordingsEndpoint === undefined ? {} : { recordingsEndpoint }),
      ...(isBlank(merged.controlApiKey) ? {} : { controlApiKey: String(merged.controlApiKey) }),
    },
  };
}
