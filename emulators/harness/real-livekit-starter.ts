import { realLivekitAvailability, startRealLivekit } from '../livekit-server/index.js';
import { type LocalServerStarter, livekitKeyPair } from './local-servers.js';

/**
 * The `livekit` server as the VM runs it (`npm run local -- --livekit real`): Redis, one real
 * livekit-server node on the port the context names, and an egress worker, when it is built,
 * writing each recording at the path the controller asks for (without it, rooms work and
 * recording fails).
 * It needs `npm run livekit:build` first; see emulators/livekit-server/.
 */
export const realLivekitStarter: LocalServerStarter = {
  name: 'livekit',
  async start(context) {
    const keys = livekitKeyPair(context);
    const withWorker = (await realLivekitAvailability()).available;
    const real = await startRealLivekit({
      ...keys,
      port: context.port,
      workers: withWorker ? 1 : 0,
    });
    real.webhooks.setTarget(context.livekitWebhookUrl);
    return {
      env: {
        LIVEKIT_URL: real.url,
        LIVEKIT_API_KEY: keys.apiKey,
        LIVEKIT_API_SECRET: keys.apiSecret,
      },
      stop: real.stop,
    };
  },
};

/**
 * Whether `--livekit real` can start here: not without the server and Redis (`message` says in
 * one sentence how to get them); with only the worker missing it starts, and `message` says
 * recording will fail until it is built.
 */
export async function realLivekitReadiness(): Promise<{
  readonly startable: boolean;
  readonly message?: string;
}> {
  const server = await realLivekitAvailability({ egressWorker: false });
  if (!server.available) return { startable: false, message: `--livekit real: ${server.reason}` };
  const full = await realLivekitAvailability();
  if (full.available) return { startable: true };
  return {
    startable: true,
    message: `--livekit real without egress (recording will fail): ${full.reason}`,
  };
}
