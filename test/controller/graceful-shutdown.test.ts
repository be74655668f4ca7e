import { describe, expect, it } from 'vitest';
import { closeWithin } from '../../controller/lifecycle/graceful-shutdown.js';
import { freePort } from '../../emulators/harness/free-port.js';
import { startTestServer } from '../support/test-server.js';

describe('closing the server', () => {
  it('finishes a request already in flight, then refuses new connections', async () => {
    const server = await startTestServer();
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    server.app.get('/slow', async () => {
      arrived();
      await released;
      return { finished: true };
    });
    const port = await freePort();
    await server.app.listen({ host: '127.0.0.1', port });

    const inFlight = fetch(`http://127.0.0.1:${port}/slow`);
    await requestArrived;
    const closing = closeWithin(() => server.close(), 10_000);
    release();
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ finished: true });
    expect(await closing).toBe('closed');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  });

  it('reports timed_out when in-flight work outlasts the bound', async () => {
    const outcome = await closeWithin(() => new Promise(() => {}), 50);
    expect(outcome).toBe('timed_out');
  });

  it('reports failed when closing throws', async () => {
    const outcome = await closeWithin(async () => {
      throw new Error('disk gone');
    }, 1_000);
    expect(outcome).toBe('failed');
  });
});
