import { randomBytes } from 'node:crypto';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { BenchStack } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { MIB } from '../framework/process-memory.js';
import { inRunOrder } from '../framework/run-order.js';
import { startAndSettle } from '../framework/startup.js';
import { recordingId } from '../framework/uploads.js';

const RECORDINGS_PER_ROOM = 10;
const BATCH = 5_000;

/** `count` finished recordings (uploaded, as the controller leaves them), 10 a room. */
async function writeHistory(stack: BenchStack, namespace: string, count: number): Promise<void> {
  const now = Date.now();
  let batch: Record<string, unknown> = {};
  let inBatch = 0;
  let roomUrl = '';
  let roomKey = '';
  for (let i = 0; i < count; i++) {
    if (i % RECORDINGS_PER_ROOM === 0) {
      roomUrl = `https://app.example.com/room/${randomBytes(6).toString('hex')}`;
      roomKey = roomKeyFromUrl(roomUrl);
    }
    const id = recordingId();
    const at = now - (count - i) * 60_000;
    batch[`${roomKey}/${id}`] = {
      roomUrl,
      requestedBy: `user-${i % 997}`,
      requestedAt: at,
      status: 'uploaded',
      egressId: `EG_${randomBytes(6).toString('hex')}`,
      startedAt: at + 2_000,
      endedAt: at + 1_802_000,
      durationMs: 1_800_000,
      sizeBytes: 412_000_000,
      storagePath: `recordings/${roomKey}/${id}.mp4`,
      downloadUrl: `https://firebasestorage.googleapis.com/v0/b/demo-bench/o/${id}?alt=media&token=${randomBytes(8).toString('hex')}`,
      updatedAt: at + 1_900_000,
    };
    if (++inBatch === BATCH || i === count - 1) {
      await stack.adminPatch('recordings', batch, namespace);
      batch = {};
      inBatch = 0;
    }
  }
}

/**
 * Start-up with a long history: the time from spawn to the end of start-up reconciliation, and
 * the peak RSS by then, with 100 000 finished recordings in the database against an empty one.
 * Each run starts a fresh process; runs alternate empty and full.
 */
export const startupHistory: Benchmark = {
  name: 'start-up with history',
  async run(context) {
    const count = context.quick ? 2_000 : 100_000;
    const stack = await BenchStack.start(context.servers);
    try {
      const empty = stack.namespace;
      const full = await BenchStack.newNamespace(context.servers);
      await writeHistory(stack, full, count);
      const emptyObserver = await stack.participant(empty);
      const fullObserver = await stack.participant(full);
      const times = { empty: [] as number[], full: [] as number[] };
      const peaks = { empty: [] as number[], full: [] as number[] };
      for (let run = 0; run < context.runs; run++) {
        for (const which of inRunOrder(run, ['empty', 'full'] as const)) {
          const startup = await startAndSettle(
            stack,
            which === 'empty' ? emptyObserver : fullObserver,
            { namespace: which === 'empty' ? empty : full },
          );
          await startup.controller.stop();
          times[which].push(startup.ms);
          peaks[which].push(startup.peakRss / MIB);
        }
        context.log(
          `  run ${run + 1}: empty ${times.empty.at(-1)?.toFixed(0)} ms / ${peaks.empty.at(-1)?.toFixed(0)} MiB, ` +
            `${count} records ${times.full.at(-1)?.toFixed(0)} ms / ${peaks.full.at(-1)?.toFixed(0)} MiB`,
        );
      }
      const history = `${count.toLocaleString('en')} records`;
      return [
        {
          name: `start-up time with ${history}`,
          unit: 'ms',
          samples: times.full,
          baseline: times.empty,
          baselineName: 'empty database',
          goal: { kind: 'ratio_at_most', value: 1.1 },
          note: 'spawn of the controller as npm start runs it until a marker (an upload this controller left under way, its file gone) is failed by the start-up pass, as a client sees it.',
        },
        {
          name: `start-up peak RSS with ${history}`,
          unit: 'MiB',
          samples: peaks.full,
          baseline: peaks.empty,
          baselineName: 'empty database',
          goal: { kind: 'ratio_at_most', value: 1.1 },
          note: 'VmHWM of the controller when start-up reconciliation had finished; history = uploaded records of ~500 bytes, 10 a room.',
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
