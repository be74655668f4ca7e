import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import { expectControllerLogClean } from './secret-scan.js';

/**
 * A peer's fuzzer beside our own (fuzz-http.test.ts): schemathesis (PyPI) reads the controller's
 * own /openapi.json and sends what it generates from it, valid and invalid, with the API key.
 * Every answer must match the document and none may be a 5xx. `.ci/run` installs it; where it
 * is not installed the suite says so and skips (set SCHEMATHESIS to its `st` executable).
 */
const ST = process.env.SCHEMATHESIS ?? 'st';
const installed = spawnSync(ST, ['--version'], { encoding: 'utf8' }).status === 0;
if (!installed) {
  process.stdout.write(
    `schemathesis fuzz skipped: ${ST} not found; pip install schemathesis and set SCHEMATHESIS to its st (.ci/run does)\n`,
  );
}

let stack: RecordingStack;
let controller: RunningController;

describe.skipIf(!installed)('the HTTP API, fuzzed by schemathesis from /openapi.json', () => {
  beforeAll(async () => {
    stack = await RecordingStack.start();
    controller = await stack.startController({
      RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
      RATE_LIMIT_PER_IDENTITY_PER_MINUTE: '100000',
      LOG_LEVEL: 'info',
    });
  });

  afterAll(async () => {
    if (controller !== undefined) expectControllerLogClean(stack, controller, []);
    await stack?.stop();
  });

  it('answers every generated request as the document says, never with a 5xx', async () => {
    const args = [
      'run',
      `${controller.base}/openapi.json`,
      '--checks',
      'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
      '--header',
      `x-api-key: ${controller.config.control.apiKey}`,
      '--max-examples',
      '25',
      '--seed',
      '22',
      '--workers',
      '1',
      '--phases',
      'examples,coverage,fuzzing',
      '--generation-database',
      'none',
      '--no-color',
    ];
    // schemathesis keeps a cache and reports in its working directory: one of its own.
    const workDir = await mkdtemp(join(tmpdir(), 'schemathesis-'));
    const { code, output } = await new Promise<{ code: number | null; output: string }>(
      (resolve) => {
        const child = spawn(ST, args, { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.stderr.on('data', (chunk: Buffer) => {
          output += chunk.toString();
        });
        child.on('close', (exitCode) => resolve({ code: exitCode, output }));
      },
    );
    await rm(workDir, { recursive: true, force: true });
    expect(code, output.slice(-6_000)).toBe(0);
  });
});
