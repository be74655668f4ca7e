import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { realLivekitReadiness } from '../harness/real-livekit-starter.js';
import { PortTakenError, startLocalStack } from './local-stack.js';

/**
 * Resolves at the first SIGINT or SIGTERM and keeps handling every later one, so none of them
 * kills the process while it saves. A terminal's Ctrl-C sends SIGINT to the whole foreground
 * group, and npm forwards its own copy: two arrive for one key press, more if it is pressed
 * again.
 */
function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    let requests = 0;
    const onSignal = () => {
      requests += 1;
      if (requests === 1) resolve();
      if (requests === 3) process.stdout.write('Still saving the data; it stops when done.\n');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/**
 * `npm run local`: the whole stack on loopback until Ctrl-C (SIGINT) or SIGTERM, with data kept
 * in `.local-stack/` (or `--data-dir`) between runs. `--ports random` takes free ports only;
 * `--config-form attributes` writes the page's settings as `<body data-*>`; `--web-dir` serves
 * a web app built before (`npm run build:web`) instead of building it; `--livekit real` runs
 * the real livekit-server, Redis and egress worker instead of our emulator.
 */
async function main(): Promise<void> {
  // Before anything starts: a Ctrl-C during the start stops the stack once it stands.
  const stopping = stopRequested();
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: '.local-stack' },
      'config-form': { type: 'string', default: 'window' },
      ports: { type: 'string', default: 'conventional' },
      livekit: { type: 'string', default: 'emulator' },
      'web-dir': { type: 'string' },
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
  const webDir = values['web-dir'];
  const stack = await startLocalStack({
    ports,
    dataDir,
    configForm: form,
    livekit,
    webDir: webDir === undefined ? undefined : resolve(webDir),
  }).catch((error: unknown) => {
    if (!(error instanceof PortTakenError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return undefined;
  });
  if (stack === undefined) {
    process.exitCode = 1;
    return;
  }
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
  await stopping;
  process.stdout.write('Stopping… (saving the data for the next run)\n');
  await stack.stop();
  process.stdout.write('Stopped.\n');
}

await main();
