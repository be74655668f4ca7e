import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../emulators/harness/listen.js';
import {
  type LocalStack,
  PortTakenError,
  startLocalStack,
} from '../../emulators/local-stack/local-stack.js';

type Service = 'rtdb' | 'controller' | 'app';

/** Another program binding `port` on loopback, as one that starts at the wrong moment would. */
async function takePort(port: number, taken: Server[]): Promise<void> {
  // It hangs up on whoever connects, so closing it never waits for a connection to end.
  const server = createServer((socket) => socket.destroy());
  await listen(server, '127.0.0.1', port);
  taken.push(server);
}

describe('the local stack when a chosen port is taken before it binds', () => {
  let webDir: string;
  let stack: LocalStack | undefined;
  const taken: Server[] = [];

  beforeAll(async () => {
    // Serving is all these tests need of the web app: a page to write the settings into.
    webDir = await mkdtemp(join(tmpdir(), 'local-ports-web-'));
    await writeFile(join(webDir, 'index.html'), '<html><head></head><body></body></html>');
  });

  afterEach(async () => {
    await stack?.stop();
    stack = undefined;
    for (const server of taken.splice(0)) {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 120_000);

  afterAll(async () => {
    await rm(webDir, { recursive: true, force: true });
  });

  // One server started in process (the database), one child process (the controller), and the
  // last to bind (the web app), after which every other server has to stop again.
  it.each<Service>(['rtdb', 'controller', 'app'])(
    'starts on another port when the %s port is taken between the check and the bind',
    async (service) => {
      let takenPort: number | undefined;
      stack = await startLocalStack({
        ports: 'random',
        webDir,
        portsChosen: async (ports) => {
          if (takenPort !== undefined) return;
          takenPort = ports[service];
          await takePort(takenPort, taken);
        },
      });
      const url = new URL(stack.urls[service]);
      expect(Number(url.port)).not.toBe(takenPort);
      const answer = await fetch(
        service === 'controller' ? `${stack.urls.controller}/health/live` : stack.urls[service],
      );
      expect(answer.status).toBeLessThan(500);
    },
    120_000,
  );

  it('says in one sentence which port was taken and which flag avoids it when every attempt loses', async () => {
    const attempt = startLocalStack({
      ports: 'random',
      webDir,
      portsChosen: (ports) => takePort(ports.controller, taken),
    });
    const error = await attempt.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PortTakenError);
    const { message, port } = error as PortTakenError;
    expect(port).toBe(
      (taken.at(-1)?.address() as { port: number } | null | undefined)?.port ?? Number.NaN,
    );
    expect(message).toMatch(new RegExp(`^Port ${port} was taken .*--ports random\\.$`));
    expect(message).not.toMatch(/\n|\. /);
  }, 180_000);
});
