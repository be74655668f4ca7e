import { freePort } from '../harness/free-port.js';
import { type ManagedChild, startChild } from './child-process.js';

/** A Redis on loopback without persistence: a restart forgets everything, as in our compose file. */
export interface RedisServer {
  /** `host:port`, what livekit.yaml's `redis.address` takes. */
  readonly address: string;
  /** Stops it (nothing saved) and starts it again on the same port, empty. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export const REDIS_SERVER_COMMAND = 'redis-server';

async function startRedisProcess(port: number): Promise<ManagedChild> {
  const { child } = await startChild({
    name: 'redis-server',
    command: REDIS_SERVER_COMMAND,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    readyWhen: (line) => (line.includes('Ready to accept connections') ? true : undefined),
    timeoutMs: 15_000,
  });
  return child;
}

/** Starts redis-server on a free port (a fresh one again if another socket took it first). */
export async function startRedisServer(): Promise<RedisServer> {
  let port = 0;
  let child: ManagedChild | undefined;
  for (let attempt = 1; child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await startRedisProcess(port);
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
  let running: ManagedChild = child;
  return {
    address: `127.0.0.1:${port}`,
    async restart() {
      await running.stop('SIGTERM');
      running = await startRedisProcess(port);
    },
    stop: () => running.stop('SIGTERM'),
  };
}
