import { validEnv } from './test-env.js';

/** A valid .env.livekit for the compose stack (the output dir is the containers' /recordings). */
export function deploymentEnv(overrides: Record<string, string | undefined> = {}) {
  const env = validEnv({ LOG_LEVEL: 'info', RECORDING_OUTPUT_DIR: '/recordings', ...overrides });
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

/** The env file's text; the private key is quoted and keeps its literal \n sequences. */
export function envFileText(env: Readonly<Record<string, string>>): string {
  return `${Object.entries(env)
    .map(([name, value]) =>
      /[\s"#]/.test(value) || value.includes('\\n') ? `${name}="${value}"` : `${name}=${value}`,
    )
    .join('\n')}\n`;
}
