import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { realLivekitReadiness } from '../harness/real-livekit-starter.js';
import { startLocalStack } from './local-stack.js';

/**
 * `npm run local`: the whole stack on loopback until Ctrl-C (SIGINT) or SIGTERM, with data kept
 * in `.local-stack/` (or `--data-dir`) between runs. `--ports random` takes free ports only;
 * `--config-form attributes` writes the page's settings as `<body data-*>`; `--livekit real`
 * runs the real livekit-server, Redis and egress worker instead of our emulator.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: '.local-stack' },
      'config-form': { type: 'string', default: 'window' },
      ports: { type: 'string', default: 'conventional' },
      livekit: { type: 'string', default: 'emulator' },
    },
  });
  const ports = values.ports;
  if (ports !== 'conventional' && ports !== 'random') {
    process.stderr.write('--ports must be conventional or random\n');
    process.exitCode = 2;
    return;
  }
  const form = values['config-form'];
  if (form !== 'window' && form !== 'attributes') {
    process.stderr.write('--config-form must be window or attributes\n');
    process.exitCode = 2;
    return;
  }
  const livekit = values.livekit;
  if (livekit !== 'emulator' && livekit !== 'real') {
    process.stderr.write('--livekit must be emulator or real\n');
    process.exitCode = 2;
    return;
  }
  if (livekit === 'real') {
    const readiness = await realLivekitReadiness();
    if (readiness.message !== undefined) process.stderr.write(`${readiness.message}\n`);
    if (!readiness.startable) {
      process.exitCode = 1;
      return;
    }
  }
  const dataDir = resolve(values['data-dir']);
  process.stdout.write(`Starting the local stack (data in ${dataDir})…\n`);
  const stack = await startLocalStack({ ports, dataDir, configForm: form, livekit });
  const users = stack.demoUsers
    .map((user) => `  ${user.email}  password: ${user.password}`)
    .join('\n');
  process.stdout.write(
    [
      '',
      `Open the web app:     ${stack.urls.app}/room/demo`,
      '',
      'Demo users (sign in with e-mail and password, one per browser window):',
      users,
      '',
      `Controller API:       ${stack.urls.controller}`,
      `LiveKit (+ egress):   ${stack.urls.livekit}`,
      `Auth emulator:        ${stack.urls.auth}`,
      `Realtime Database:    ${stack.urls.rtdb}`,
      `Storage:              ${stack.urls.storage}`,
      `Controller log:       ${stack.controllerLogFile}`,
      `Recordings on disk:   ${stack.recordingsDir}`,
      '',
      'Press Ctrl-C to stop (data is saved for the next run).',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal());
    process.once('SIGTERM', () => resolveSignal());
  });
  process.stdout.write('Stopping…\n');
  await stack.stop();
  process.stdout.write('Stopped.\n');
}

await main();
