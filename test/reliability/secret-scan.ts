import { expect } from 'vitest';
import type { RecordingStack, RunningController } from '../support/recording-stack.js';

/** Any JSON Web Token: ID tokens, LiveKit tokens and webhook signatures all have this shape. */
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/;

/**
 * Logs must hold none of `secrets` (nor a long line of a multi-line one, such as a PEM key), no
 * JWT of any kind and no private key block, whatever was logged around them.
 */
export function expectNoSecretsIn(logText: string, secrets: readonly string[]): void {
  expect(logText.length).toBeGreaterThan(0);
  for (const secret of secrets) {
    for (const piece of secret.split(/\\n|\n/).filter((line) => line.length >= 16)) {
      expect(logText.includes(piece), `a secret (${piece.slice(0, 6)}…) is in the logs`).toBe(
        false,
      );
    }
  }
  expect(JWT.exec(logText)?.[0], 'a JWT is in the logs').toBeUndefined();
  expect(logText).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
}

/** An in-process controller's captured log: none of its own secrets, no JWT, no key. */
export function expectControllerLogClean(
  stack: RecordingStack,
  controller: RunningController,
  extraSecrets: readonly string[] = [],
): void {
  expectNoSecretsIn(controller.log.text, [
    stack.keys.apiSecret,
    controller.config.control.apiKey,
    ...(controller.config.firebase.privateKey === undefined
      ? []
      : [controller.config.firebase.privateKey]),
    ...extraSecrets,
  ]);
}
