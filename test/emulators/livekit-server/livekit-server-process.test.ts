import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '../../../emulators/harness/listen.js';
import { realLivekitAvailability } from '../../../emulators/livekit-server/index.js';
import { startLivekitServer } from '../../../emulators/livekit-server/livekit-server-process.js';
import {
  type RedisServer,
  startRedisServer,
} from '../../../emulators/livekit-server/redis-server.js';
import { randomSecret } from '../../support/test-env.js';

// Needs only the server and Redis (the global set-up prints why when they are missing).
const real = await realLivekitAvailability({ egressWorker: false });

describe.skipIf(!real.available)('a livekit-server node started by the harness', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });

  afterAll(async () => {
    await redis?.stop();
  });

  it('fails with EADDRINUSE and the port when the port it was given is taken', async () => {
    if (!real.available) return;
    const holder = createServer();
    const port = await listen(holder, '127.0.0.1');
    try {
      const started = startLivekitServer({
        binary: real.binaries.server,
        redisAddress: redis.address,
        apiKey: randomSecret('APIkey'),
        apiSecret: randomSecret('secret'),
        port,
      });
      await expect(started).rejects.toMatchObject({ code: 'EADDRINUSE', port });
    } finally {
      holder.close();
    }
  });
});
