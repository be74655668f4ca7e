import { setTimeout as sleep } from 'node:timers/promises';
import { BenchStack } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { memoryOf } from '../framework/process-memory.js';
import { startAndSettle } from '../framework/startup.js';

/** How long after start-up the idle RSS is read: timers and the first reconcile pass have run. */
const SETTLE_MS = 3_000;

/** The controller's RSS once started and idle (empty database): an absolute budget. */
export const idleMemory: Benchmark = {
  name: 'idle memory',
  async run(context) {
    const stack = await BenchStack.start(context.servers);
    const observer = await stack.participant();
    const samples: number[] = [];
    try {
      for (let run = 0; run < context.runs; run++) {
        const { controller } = await startAndSettle(stack, observer);
        await sleep(context.quick ? SETTLE_MS / 3 : SETTLE_MS);
        samples.push((await memoryOf(controller.pid)).rss / 1e6);
        await controller.stop();
        context.log(`  run ${run + 1}: ${samples.at(-1)?.toFixed(1)} MB`);
      }
    } finally {
      await stack.stop();
    }
    return [
      {
        name: 'controller idle RSS after start-up',
        unit: 'MB',
        samples,
        goal: { kind: 'at_most', value: 100 },
        note: `VmRSS of the node process running dist/controller/main.js as npm start does, ${SETTLE_MS / 1000} s after start-up reconciliation finished, empty database; MB = 10^6 bytes.`,
      },
    ];
  },
};
