import { ParticipantInfo, Room } from '@livekit/protocol';
import { EgressClient } from 'livekit-server-sdk';
import { buildWebhookEvent } from '../../emulators/livekit/webhooks/webhook-event.js';
import { signWebhookBody } from '../../emulators/livekit/webhooks/webhook-signature.js';
import { BenchStack, StatusTimeline } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { type HttpCall, requestsPerSecond } from '../framework/http-load.js';
import { inRunOrder } from '../framework/run-order.js';
import { startAndSettle } from '../framework/startup.js';

const CONCURRENCY = 32;

/** A webhook exactly as livekit-server posts it: protojson body, raw JWT in Authorization. */
function signedWebhook(
  event: ReturnType<typeof buildWebhookEvent>,
  keys: { apiKey: string; apiSecret: string },
): HttpCall {
  const body = JSON.stringify(event.toJson());
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/webhook+json',
      authorization: signWebhookBody(body, keys.apiKey, keys.apiSecret),
      'user-agent': 'LiveKit',
    },
    body,
  };
}

/**
 * Signed webhooks the controller handles a second, against its `/health/live` (a route that
 * exists for container liveness and does nothing) under the same load: same process, same
 * HTTP stack, same logging, same number of keep-alive clients. Two kinds of webhook: a room
 * event (signature checked, nothing to record: most of what LiveKit sends) and an
 * `egress_updated` for a live recording (signature, then the record read and compared).
 */
export const webhookThroughput: Benchmark = {
  name: 'webhook throughput',
  async run(context) {
    const durationMs = context.quick ? 500 : 4_000;
    const stack = await BenchStack.start(context.servers, {
      egressActivationDelayMs: 100,
      egressWriteIntervalMs: 1_000,
    });
    try {
      const participant = await stack.participant();
      const { controller } = await startAndSettle(stack, participant);
      const { roomUrl, roomKey } = await stack.roomWith(participant.uid, { publishing: true });
      const id = participant.nextRecordingId();
      const timeline = new StatusTimeline(participant.db, roomKey, id);
      await timeline.ready;
      await participant.start(roomUrl, id);
      await timeline.when('recording');
      timeline.close();
      const egressClient = new EgressClient(
        stack.livekit.url,
        stack.keys.apiKey,
        stack.keys.apiSecret,
      );
      const [egressInfo] = await egressClient.listEgress({ roomName: roomKey, active: true });
      if (egressInfo === undefined) throw new Error('no live egress to send updates about');

      const liveness: HttpCall = { method: 'GET' };
      const kinds = [
        {
          name: 'room event (participant_joined)',
          call: () =>
            signedWebhook(
              buildWebhookEvent('participant_joined', {
                room: new Room({ sid: 'RM_bench', name: roomKey }),
                participant: new ParticipantInfo({ sid: 'PA_bench', identity: 'someone' }),
              }),
              stack.keys,
            ),
        },
        {
          name: 'egress_updated, live recording',
          call: () =>
            signedWebhook(buildWebhookEvent('egress_updated', { egressInfo }), stack.keys),
        },
      ];
      const figures = [];
      for (const kind of kinds) {
        const figure: number[] = [];
        const baseline: number[] = [];
        const load = { concurrency: CONCURRENCY, durationMs };
        const webhooks = (options = load) =>
          requestsPerSecond(`${controller.base}/webhooks/livekit`, kind.call(), options);
        const live = (options = load) =>
          requestsPerSecond(`${controller.base}/health/live`, liveness, options);
        // Both routes once, untimed: the first requests compile what the later ones run.
        const warmup = { concurrency: CONCURRENCY, durationMs: context.quick ? 300 : 1_000 };
        await webhooks(warmup);
        await live(warmup);
        for (let run = 0; run < context.runs; run++) {
          const measureWebhooks = async () => figure.push(await webhooks());
          const measureLive = async () => baseline.push(await live());
          for (const step of inRunOrder(run, [measureWebhooks, measureLive])) await step();
          context.log(
            `  ${kind.name} run ${run + 1}: ${figure.at(-1)?.toFixed(0)}/s, /health/live ${baseline.at(-1)?.toFixed(0)}/s`,
          );
        }
        figures.push({
          name: `signed webhooks handled, ${kind.name}`,
          unit: 'req/s',
          samples: figure,
          baseline,
          baselineName: '/health/live',
          goal: { kind: 'ratio_at_least' as const, value: 0.5 },
          note: `${CONCURRENCY} keep-alive clients for ${durationMs / 1000} s a run; LOG_LEVEL=info as in production.`,
        });
      }
      return figures;
    } finally {
      await stack.stop();
    }
  },
};
