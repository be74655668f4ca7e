import { setTimeout as sleep } from 'node:timers/promises';
import { BenchStack } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { MIB } from '../framework/process-memory.js';
import { inRunOrder } from '../framework/run-order.js';
import { startAndSettle } from '../framework/startup.js';
import { deleteObject, uploadThroughController } from '../framework/uploads.js';

/** Idle time after start-up before the upload, as in the idle-memory measure. */
const SETTLE_MS = 3_000;

const label = (mib: number) => (mib >= 1024 ? `${mib / 1024} GiB` : `${mib} MiB`);

/**
 * The controller's RSS growth while it uploads a small and a large recording: the peak of
 * /proc/<pid>/status VmRSS sampled every 20 ms during the upload, minus VmRSS just before the
 * file appeared, in a controller that has just started. Memory must not grow with the file:
 * the two growths must agree.
 */
export const uploadMemory: Benchmark = {
  name: 'upload memory',
  async run(context) {
    const [small, large] = context.quick ? [8, 32] : [256, 1024];
    const stack = await BenchStack.start(context.servers);
    try {
      const observer = await stack.participant();
      const storage = context.servers.storage.host;
      const results = new Map<number, { idle: number[]; peak: number[] }>([
        [small, { idle: [], peak: [] }],
        [large, { idle: [], peak: [] }],
      ]);
      for (let run = 0; run < context.runs; run++) {
        for (const mib of inRunOrder(run, [small, large])) {
          // A fresh controller each time: RSS rarely shrinks, so a second upload in the same
          // process would only show what the first one did not already reserve.
          const { controller } = await startAndSettle(stack, observer);
          await sleep(context.quick ? SETTLE_MS / 3 : SETTLE_MS);
          const upload = await uploadThroughController(
            stack,
            controller,
            observer.db,
            context.files,
            mib,
          );
          await controller.stop();
          await deleteObject(storage, upload.objectName);
          const result = results.get(mib);
          result?.idle.push(upload.idleRss / MIB);
          result?.peak.push(upload.peakRss / MIB);
        }
        const growth = (mib: number) => {
          const result = results.get(mib);
          return ((result?.peak.at(-1) ?? 0) - (result?.idle.at(-1) ?? 0)).toFixed(1);
        };
        context.log(
          `  run ${run + 1}: +${growth(small)} MiB (${label(small)}), +${growth(large)} MiB (${label(large)})`,
        );
      }
      const growths = (mib: number) => {
        const result = results.get(mib) ?? { idle: [], peak: [] };
        return result.peak.map((peak, i) => peak - (result.idle[i] as number));
      };
      const figureFor = (mib: number) => {
        const result = results.get(mib) ?? { idle: [], peak: [] };
        return {
          name: `controller RSS while uploading ${label(mib)}`,
          unit: 'MiB',
          samples: result.peak,
          baseline: result.idle,
          baselineName: 'idle RSS before',
          goal: { kind: 'difference_at_most', value: 32 } as const,
        };
      };
      return [
        figureFor(small),
        figureFor(large),
        {
          name: `RSS growth, ${label(large)} upload vs ${label(small)} upload`,
          unit: 'MiB',
          samples: growths(large),
          baseline: growths(small),
          baselineName: `growth at ${label(small)}`,
          goal: { kind: 'ratio_within', low: 0.9, high: 1.1 },
          note: `a fresh controller for each upload, idle for ${SETTLE_MS / 1000} s after start-up before the file appears; sizes alternate in order; files placed by the bench.`,
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
