import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSchema, SECRET_VARIABLES } from '../../controller/config/env-schema.js';
import { ConfigError, loadConfig } from '../../controller/config/load-config.js';
import { generatedPrivateKey } from '../support/stack-wiring.js';
import { validEnv } from '../support/test-env.js';

function configProblems(env: Record<string, string | undefined>) {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('names every missing required variable at once, not just the first', () => {
    const error = configProblems({});
    expect(error.problems.map((problem) => problem.variable)).toEqual([
      'LIVEKIT_API_KEY',
      'LIVEKIT_API_SECRET',
      'LIVEKIT_HOST',
      'LIVEKIT_CONTROL_API_KEY',
      'FIREBASE_PROJECT_ID',
      'FIREBASE_DATABASE_URL',
      'FIREBASE_STORAGE_BUCKET',
    ]);
    for (const problem of error.problems) expect(error.message).toContain(problem.variable);
  });

  it("takes the service-account key pair whole or not at all (then the machine's own account)", () => {
    const withoutKey = loadConfig(
      validEnv({ FIREBASE_CLIENT_EMAIL: undefined, FIREBASE_PRIVATE_KEY: undefined }),
    );
    expect(withoutKey.firebase.clientEmail).toBeUndefined();
    expect(withoutKey.firebase.privateKey).toBeUndefined();
    expect(configProblems(validEnv({ FIREBASE_PRIVATE_KEY: '' })).problems).toEqual([
      {
        variable: 'FIREBASE_PRIVATE_KEY',
        message:
          "is required when its pair is set (or leave both unset to use the machine's service account)",
      },
    ]);
    expect(
      configProblems(validEnv({ FIREBASE_CLIENT_EMAIL: '' })).problems.map((p) => p.variable),
    ).toEqual(['FIREBASE_CLIENT_EMAIL']);
  });

  it('applies the documented defaults', () => {
    const config = loadConfig(validEnv({ RECORDING_OUTPUT_DIR: undefined, LOG_LEVEL: undefined }));
    expect(config.control.port).toBe(8789);
    expect(config.control.host).toBe('0.0.0.0');
    expect(config.recording.outputDir).toBe('/recordings');
    expect(config.recording.deleteLocalAfterUpload).toBe(false);
    expect(config.recording.downloadUrlMode).toBe('token');
    expect(config.recording.retention.days).toBeUndefined();
    expect(config.livekit.egressUrl).toBe('http://livekit:7880');
    expect(config.log.level).toBe('info');
    expect(config.control.corsOrigins).toEqual([]);
  });

  it('treats an empty value as unset', () => {
    const config = loadConfig(validEnv({ CONTROL_PORT: '', DELETE_LOCAL_AFTER_UPLOAD: '  ' }));
    expect(config.control.port).toBe(8789);
    expect(config.recording.deleteLocalAfterUpload).toBe(false);
    expect(configProblems(validEnv({ LIVEKIT_API_KEY: '' })).problems).toEqual([
      { variable: 'LIVEKIT_API_KEY', message: 'is required' },
    ]);
  });

  it('lets LIVEKIT_URL, then LIVEKIT_WS_URL, override LIVEKIT_HOST for API calls', () => {
    const hostOnly = loadConfig(validEnv({ LIVEKIT_HOST: 'https://lk.example.com:7880/' }));
    expect(hostOnly.livekit.apiUrl).toBe('https://lk.example.com:7880');
    expect(hostOnly.livekit.publicUrl).toBe('wss://lk.example.com:7880');

    const wsOverride = loadConfig(validEnv({ LIVEKIT_WS_URL: 'ws://livekit:7880' }));
    expect(wsOverride.livekit.apiUrl).toBe('http://livekit:7880');
    expect(wsOverride.livekit.publicUrl).toBe('wss://livekit.example.com');

    const both = loadConfig(
      validEnv({ LIVEKIT_URL: 'http://livekit:7880', LIVEKIT_WS_URL: 'ws://other:7880' }),
    );
    expect(both.livekit.apiUrl).toBe('http://livekit:7880');

    const withoutHost = loadConfig(
      validEnv({ LIVEKIT_HOST: undefined, LIVEKIT_URL: 'wss://lk.example.com' }),
    );
    expect(withoutHost.livekit.apiUrl).toBe('https://lk.example.com');
    expect(withoutHost.livekit.publicUrl).toBe('wss://lk.example.com');
  });

  it('turns the literal \\n sequences of FIREBASE_PRIVATE_KEY into newlines, quoted or not', () => {
    const escaped = generatedPrivateKey().replaceAll('\n', '\\n');
    expect(escaped).not.toContain('\n');
    expect(loadConfig(validEnv({ FIREBASE_PRIVATE_KEY: escaped })).firebase.privateKey).toBe(
      generatedPrivateKey(),
    );
    expect(loadConfig(validEnv({ FIREBASE_PRIVATE_KEY: `"${escaped}"` })).firebase.privateKey).toBe(
      generatedPrivateKey(),
    );
    expect(
      loadConfig(validEnv({ FIREBASE_PRIVATE_KEY: generatedPrivateKey() })).firebase.privateKey,
    ).toBe(generatedPrivateKey());
  });

  it('uses the API key pair for webhooks unless a webhook pair is given, and wants both halves', () => {
    const env = validEnv();
    const defaulted = loadConfig(env);
    expect(defaulted.livekit.webhookApiKey).toBe(env.LIVEKIT_API_KEY);
    expect(defaulted.livekit.webhookApiSecret).toBe(env.LIVEKIT_API_SECRET);
    const own = loadConfig(
      validEnv({ LIVEKIT_WEBHOOK_API_KEY: 'hook-key', LIVEKIT_WEBHOOK_API_SECRET: 'hook-secret' }),
    );
    expect(own.livekit.webhookApiKey).toBe('hook-key');
    expect(own.livekit.webhookApiSecret).toBe('hook-secret');
    expect(
      configProblems(validEnv({ LIVEKIT_WEBHOOK_API_KEY: 'hook-key' })).problems.map(
        (p) => p.variable,
      ),
    ).toEqual(['LIVEKIT_WEBHOOK_API_SECRET']);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    ['false', false],
    ['0', false],
    ['no', false],
  ])('reads DELETE_LOCAL_AFTER_UPLOAD=%s as %s', (value, expected) => {
    expect(
      loadConfig(validEnv({ DELETE_LOCAL_AFTER_UPLOAD: value })).recording.deleteLocalAfterUpload,
    ).toBe(expected);
  });

  it('parses CORS origins as a list of bare origins', () => {
    const config = loadConfig(
      validEnv({ CORS_ORIGINS: 'https://app.example.com, http://localhost:5173' }),
    );
    expect(config.control.corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each([
    ['CONTROL_PORT', 'eighty'],
    ['CONTROL_PORT', '0'],
    ['CONTROL_PORT', '65536'],
    ['CONTROL_PORT', '80.5'],
    ['DELETE_LOCAL_AFTER_UPLOAD', 'maybe'],
    ['LIVEKIT_HOST', 'livekit.example.com'],
    ['LIVEKIT_HOST', 'ftp://livekit.example.com'],
    ['LIVEKIT_EGRESS_URL', 'not a url'],
    ['FIREBASE_DATABASE_URL', 'wss://db.example.com'],
    ['FIREBASE_CLIENT_EMAIL', 'controller'],
    ['FIREBASE_PROJECT_ID', 'Not_A_Project'],
    ['FIREBASE_STORAGE_BUCKET', 'UPPER CASE'],
    ['RECORDING_OUTPUT_DIR', 'recordings'],
    ['LOG_LEVEL', 'loud'],
    ['DOWNLOAD_URL_MODE', 'public'],
    ['CORS_ORIGINS', 'https://app.example.com/path'],
    ['EGRESS_START_TIMEOUT_S', '-1'],
    ['RECORDING_RETENTION_DAYS', '0'],
    ['SHUTDOWN_TIMEOUT_S', 'soon'],
  ])('refuses %s=%j and names it', (variable, value) => {
    const error = configProblems(validEnv({ [variable]: value }));
    expect(error.problems.map((problem) => problem.variable)).toEqual([variable]);
    expect(error.message).toContain(`${variable}: `);
  });

  it('names every malformed variable together', () => {
    const error = configProblems(
      validEnv({ CONTROL_PORT: 'x', LOG_LEVEL: 'loud', DELETE_LOCAL_AFTER_UPLOAD: 'maybe' }),
    );
    expect(error.problems.map((problem) => problem.variable).sort()).toEqual([
      'CONTROL_PORT',
      'DELETE_LOCAL_AFTER_UPLOAD',
      'LOG_LEVEL',
    ]);
  });

  it('never prints the value of a secret, even a malformed one', () => {
    const secretValue = 'not-a-pem-but-still-secret-7f3a9c';
    const error = configProblems(
      validEnv({ FIREBASE_PRIVATE_KEY: secretValue, CONTROL_PORT: 'x', LIVEKIT_API_KEY: '' }),
    );
    expect(error.message).toContain('FIREBASE_PRIVATE_KEY');
    expect(error.message).not.toContain(secretValue);
    expect(error.message).toContain('"x"');
    for (const variable of SECRET_VARIABLES)
      expect(Object.keys(envSchema.shape)).toContain(variable);
  });

  it('returns a frozen configuration', () => {
    const config = loadConfig(validEnv());
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.livekit)).toBe(true);
    expect(Object.isFrozen(config.control.corsOrigins)).toBe(true);
  });
});

describe('.env.livekit.example', () => {
  const example = readFileSync(new URL('../../.env.livekit.example', import.meta.url), 'utf8');
  const documented = [...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]);

  // Read by docker-compose.yml, not by the controller.
  const COMPOSE_ONLY = ['EGRESS_UID'];

  it('documents every variable the controller reads, and no other', () => {
    expect(new Set(documented.filter((name) => !COMPOSE_ONLY.includes(name ?? '')))).toEqual(
      new Set(Object.keys(envSchema.shape)),
    );
  });

  it('documents the variables docker-compose.yml reads', () => {
    const compose = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    for (const name of COMPOSE_ONLY) {
      expect(compose).toContain(`\${${name}`);
      expect(documented).toContain(name);
    }
  });

  it('describes each variable with a comment above it', () => {
    const lines = example.split('\n');
    for (const variable of Object.keys(envSchema.shape)) {
      const index = lines.findIndex((line) => new RegExp(`^#?\\s*${variable}=`).test(line));
      expect(lines[index - 1], variable).toMatch(/^# \S/);
      expect(lines[index - 1], variable).not.toMatch(/^#\s*[A-Z][A-Z0-9_]+=/);
    }
  });
});

describe('README.md', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

  it('lists every variable in its configuration table', () => {
    const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
    for (const variable of Object.keys(envSchema.shape)) {
      expect(
        rows.some((row) => row.includes(`\`${variable}\``)),
        variable,
      ).toBe(true);
    }
  });
});
