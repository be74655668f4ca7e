import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchStack } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { memoryOf } from '../framework/process-memory.js';
import { startAndSettle } from '../framework/startup.js';

const POSTS = 100_000;
const CONCURRENCY = 16;
/** Bytes of each unique event name: every one would have been a Prometheus label (issue 22). */
const EVENT_NAME_BYTES = 1_024;
/** Lets a last request's garbage go before RSS is read, as after the idle figure. */
const SETTLE_MS = 2_000;

/**
 * Posts `count` unsigned webhooks, each with an event name of its own, over keep-alive
 * connections; resolves with how many answers had each status. Every answer must be a refusal.
 */
async function floodUnsigned(base: string, count: number): Promise<Map<number, number>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const statuses = new Map<number, number>();
  let sent = 0;
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const body = JSON.stringify({
        event: `e${randomBytes(EVENT_NAME_BYTES / 2).toString('hex')}`,
        id: 'EV_flood',
      });
      const outgoing = request(
        `${base}/webhooks/livekit`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/webhook+json',
            'content-length': String(Buffer.byteLength(body)),
          },
        },
        (response) => {
          response.resume();
          response.once('end', () => {
            const status = response.statusCode ?? 0;
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            resolve();
          });
        },
      );
      outgoing.once('error', reject);
      outgoing.end(body);
    });
  const client = async () => {
    while (sent < count) {
      sent++;
      await post();
    }
  };
  try {
    await Promise.all(Array.from({ length: CONCURRENCY }, client));
  } finally {
    agent.destroy();
  }
  return statuses;
}

/**
 * The controller's RSS after a flood of unsigned webhooks with unique event names, against its
 * own idle RSS just before (issue 22, hole 1: each name used to become a metric label, and a
 * few thousand 60 KB names exhausted a 384 MB heap).
 */
export const webhookFloodMemory: Benchmark = {
  name: 'webhook flood memory',
  async run(context) {
    const posts = context.quick ? POSTS / 20 : POSTS;
    const stack = await BenchStack.start(context.servers);
    const observer = await stack.participant();
    const samples: number[] = [];
    const baseline: number[] = [];
    try {
      for (let run = 0; run < context.runs; run++) {
        const { controller } = await startAndSettle(stack, observer);
        await sleep(SETTLE_MS);
        baseline.push((await memoryOf(controller.pid)).rss / 1e6);
        const statuses = await floodUnsigned(controller.base, posts);
        const refused = (statuses.get(401) ?? 0) + (statuses.get(429) ?? 0);
        if (refused !== posts) {
          throw new Error(`unsigned webhooks answered ${JSON.stringify([...statuses])}`);
        }
        await sleep(SETTLE_MS);
        samples.push((await memoryOf(controller.pid)).rss / 1e6);
        await controller.stop();
        context.log(
          `  run ${run + 1}: idle ${baseline.at(-1)?.toFixed(1)} MB, after ${samples.at(-1)?.toFixed(1)} MB; answers ${JSON.stringify(Object.fromEntries(statuses))}`,
        );
      }
    } finally {
      await stack.stop();
    }
    return [
      {
        name: `controller RSS after ${posts} unsigned webhooks with unique event names`,
        unit: 'MB',
        samples,
        baseline,
        baselineName: 'the same controller idle, just before',
        goal: { kind: 'difference_at_most', value: 10 },
        note: `${CONCURRENCY} keep-alive clients from one address, ${EVENT_NAME_BYTES}-byte event names, no signature; VmRSS ${SETTLE_MS / 1000} s after the last answer; MB = 10^6 bytes.`,
      },
    ];
  },
};
