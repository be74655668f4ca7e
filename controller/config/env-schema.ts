import { createPrivateKey } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { RECORDING_LAYOUTS, RECORDING_PRESETS } from '../../common/recording/recording-options.js';

/**
 * Every environment variable the controller reads, with its rule and default
 * (docs/architecture.md, "Configuration"). `.env.livekit.example` documents the same list; the
 * config test keeps the two in step.
 */

/** Variables whose values must never be printed, not even in a configuration error. */
export const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'LIVEKIT_API_SECRET',
  'LIVEKIT_WEBHOOK_API_SECRET',
  'LIVEKIT_CONTROL_API_KEY',
  'FIREBASE_PRIVATE_KEY',
]);

// `FOO=` in an env file means "not set", not "set to nothing": defaults and optionals apply.
const unsetWhenEmpty = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/** One variable: `rule` sees undefined for an unset or empty value. */
const variable = <T extends z.ZodType>(rule: T) => z.preprocess(unsetWhenEmpty, rule);

const text = () => z.string({ error: 'is required' }).trim();

const url = (protocols: RegExp, expected: string) =>
  z.url({
    protocol: protocols,
    error: (issue) => (issue.input === undefined ? 'is required' : `must be ${expected} URL`),
  });

const livekitUrl = () => url(/^(http|https|ws|wss)$/, 'an http(s) or ws(s)');

const boolean = () =>
  z.stringbool({
    truthy: ['true', '1', 'yes', 'on'],
    falsy: ['false', '0', 'no', 'off'],
    error: 'must be true or false',
  });

const wholeNumber = (min: number, max: number) => {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.coerce.number({ error: message }).int(message).min(min, message).max(max, message);
};

// Pasted keys keep "\n" as two characters (and often their quotes); the SDK needs real newlines.
const privateKey = () =>
  z
    .string({ error: 'is required' })
    .transform((value) =>
      value
        .trim()
        .replace(/^(['"])([\s\S]*)\1$/, '$2')
        .replaceAll('\\n', '\n')
        .replace(/\n*$/, '\n'),
    )
    .refine(
      (pem) => {
        try {
          return createPrivateKey(pem).asymmetricKeyType === 'rsa';
        } catch {
          return false;
        }
      },
      {
        message:
          'must be the PEM RSA private key of the service account, with its newlines written as \\n',
      },
    );

const bucketName = () =>
  text()
    .transform((value) => value.replace(/^gs:\/\//, '').replace(/\/+$/, ''))
    .refine((name) => /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name), {
      message: 'must be a bucket name such as my-project.firebasestorage.app',
    });

const corsOrigins = () =>
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((origin) => origin.trim())
        .filter((origin) => origin !== ''),
    )
    .pipe(
      z.array(
        z.union([
          z.literal('*'),
          z
            .url({
              protocol: /^https?$/,
              error: 'must list origins such as https://app.example.com',
            })
            .refine((origin) => new URL(origin).origin === origin, {
              message: 'must list bare origins (scheme://host[:port], no path)',
            }),
        ]),
      ),
    );

const presetList = () =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((preset) => preset.trim())
        .filter((preset) => preset !== ''),
    )
    .pipe(
      z
        .array(
          z.enum(RECORDING_PRESETS, {
            error: `must list presets among ${RECORDING_PRESETS.join(', ')}`,
          }),
        )
        .min(1, 'must list at least one preset'),
    );

export const envSchema = z.object({
  LIVEKIT_API_KEY: variable(text()),
  LIVEKIT_API_SECRET: variable(text()),
  LIVEKIT_HOST: variable(livekitUrl().optional()),
  LIVEKIT_URL: variable(livekitUrl().optional()),
  LIVEKIT_WS_URL: variable(livekitUrl().optional()),
  LIVEKIT_EGRESS_URL: variable(livekitUrl().default('http://livekit:7880')),
  LIVEKIT_WEBHOOK_API_KEY: variable(text().optional()),
  LIVEKIT_WEBHOOK_API_SECRET: variable(text().optional()),
  LIVEKIT_CONTROL_API_KEY: variable(text()),
  FIREBASE_PROJECT_ID: variable(
    text().refine((id) => /^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(id), {
      message: 'must be a Firebase project id (6–30 lowercase letters, digits and hyphens)',
    }),
  ),
  // Both or neither (load-config.ts): neither means the machine's own service account
  // (application default credentials, e.g. a Google Cloud VM's), docs/deployment.md.
  FIREBASE_CLIENT_EMAIL: variable(
    z.email({ error: 'must be the service account e-mail' }).optional(),
  ),
  FIREBASE_PRIVATE_KEY: variable(privateKey().optional()),
  FIREBASE_DATABASE_URL: variable(url(/^https?$/, 'an http(s)')),
  FIREBASE_STORAGE_BUCKET: variable(bucketName()),
  RECORDING_OUTPUT_DIR: variable(
    text()
      .default('/recordings')
      .refine((dir) => isAbsolute(dir), { message: 'must be an absolute path' }),
  ),
  DELETE_LOCAL_AFTER_UPLOAD: variable(boolean().default(false)),
  TOKEN_TTL_S: variable(wholeNumber(60, 7 * 24 * 3600).default(6 * 3600)),
  TOKEN_CAN_PUBLISH: variable(boolean().default(true)),
  TOKEN_CAN_SUBSCRIBE: variable(boolean().default(true)),
  TOKEN_CAN_PUBLISH_DATA: variable(boolean().default(true)),
  ALLOW_ANONYMOUS: variable(boolean().default(false)),
  RATE_LIMIT_PER_IP_PER_MINUTE: variable(wholeNumber(1, 100_000).default(120)),
  RATE_LIMIT_PER_IDENTITY_PER_MINUTE: variable(wholeNumber(1, 100_000).default(30)),
  CONTROL_HOST: variable(text().default('0.0.0.0')),
  CONTROL_PORT: variable(wholeNumber(1, 65535).default(8789)),
  CORS_ORIGINS: variable(corsOrigins()),
  LOG_LEVEL: variable(
    z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        error: 'must be one of fatal, error, warn, info, debug, trace, silent',
      })
      .default('info'),
  ),
  DOWNLOAD_URL_MODE: variable(
    z.enum(['token', 'signed'], { error: 'must be token or signed' }).default('token'),
  ),
  EGRESS_OUTPUT_DIR: variable(
    text()
      .refine((dir) => isAbsolute(dir), { message: 'must be an absolute path' })
      .optional(),
  ),
  RECORDING_LAYOUT: variable(
    z
      .enum(RECORDING_LAYOUTS, { error: `must be one of ${RECORDING_LAYOUTS.join(', ')}` })
      .default('grid'),
  ),
  RECORDING_PRESET: variable(
    z
      .enum(RECORDING_PRESETS, { error: `must be one of ${RECORDING_PRESETS.join(', ')}` })
      .default('H264_720P_30'),
  ),
  EGRESS_START_TIMEOUT_S: variable(wholeNumber(1, 3600).default(60)),
  EGRESS_STOP_TIMEOUT_S: variable(wholeNumber(1, 3600).default(120)),
  RECORDING_MAX_DURATION_S: variable(wholeNumber(1, 7 * 24 * 3600).default(4 * 3600)),
  RECORDING_IDLE_TIMEOUT_S: variable(wholeNumber(1, 24 * 3600).default(300)),
  RECORDING_ALLOWED_PRESETS: variable(presetList().optional()),
  // false on a machine too small for a video composite (e2-micro): audio only, video refused.
  RECORDING_VIDEO: variable(boolean().default(true)),
  RECORDING_RETENTION_DAYS: variable(wholeNumber(1, 36500).optional()),
  RECORDING_RETENTION_DRY_RUN: variable(boolean().default(false)),
  RECORDING_RETENTION_INTERVAL_S: variable(wholeNumber(60, 7 * 24 * 3600).default(3600)),
  RECONCILE_INTERVAL_S: variable(wholeNumber(1, 3600).default(15)),
  CONTROLLER_ID: variable(
    text()
      .refine((id) => /^[A-Za-z0-9._-]{1,64}$/.test(id), {
        message: 'must be 1–64 letters, digits, dots, dashes or underscores',
      })
      .optional(),
  ),
  SHUTDOWN_TIMEOUT_S: variable(wholeNumber(1, 600).default(10)),
  METRICS_HOST: variable(text().default('127.0.0.1')),
  METRICS_PORT: variable(wholeNumber(1, 65535).optional()),
});

export type Env = z.infer<typeof envSchema>;
