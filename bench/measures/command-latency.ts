import { setTimeout as sleep } from 'node:timers/promises';
import { type Database, onValue, ref } from 'firebase/database';
import { BenchStack, StatusTimeline } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { percentile } from '../framework/figure.js';
import { startAndSettle } from '../framework/startup.js';

/** A pause that lets the webhooks LiveKit sends about a room or an egress be handled. */
const QUIET_MS = 30;

/** Resolves once the controller has put the egress it started on the record. */
function egressNoted(db: Database, roomKey: string, recordingId: string): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = onValue(
      ref(db, `recordings/${roomKey}/${recordingId}/egressId`),
      (snap) => {
        if (!snap.exists()) return;
        unsubscribe();
        resolve();
      },
    );
  });
}

/**
 * A start command as the SPA writes it (record in `requested` + queue entry, one update) until
 * another client sees the record `starting`, against the same write until that client sees it
 * `requested`: the baseline is the bare write → listener round trip of the same update on the
 * same emulator, so the difference is the controller's work (claim, checks, room lock, status).
 */
export const commandLatency: Benchmark = {
  name: 'command latency',
  async run(context) {
    const commands = context.quick ? 20 : 200;
    // Egresses wait for a publisher that never comes: no timeout may end them mid-bench.
    const stack = await BenchStack.start(context.servers, { egressStartTimeoutMs: 3_600_000 });
    try {
      const writer = await stack.participant();
      const observer = await stack.participant();
      await startAndSettle(stack, observer, { env: { EGRESS_START_TIMEOUT_S: '3600' } });
      const p50 = { figure: [] as number[], baseline: [] as number[] };
      const p99 = { figure: [] as number[], baseline: [] as number[] };
      // A few commands first, so that connections and code paths are warm in both processes.
      for (let i = 0; i < 5; i++) {
        const { roomUrl, roomKey } = await stack.roomWith(writer.uid);
        const id = await writer.start(roomUrl);
        const timeline = new StatusTimeline(observer.db, roomKey, id);
        await timeline.when('starting');
        timeline.close();
      }
      for (let run = 0; run < context.runs; run++) {
        const toStarting: number[] = [];
        const toRequested: number[] = [];
        for (let i = 0; i < commands; i++) {
          const { roomUrl, roomKey } = await stack.roomWith(writer.uid);
          // One command at a time means an idle controller: the room's participant_joined
          // webhook and the previous command's egress start (and its webhooks) are over.
          await sleep(QUIET_MS);
          // The id is chosen before the write, so the observer listens before it happens.
          const id = writer.nextRecordingId();
          const timeline = new StatusTimeline(observer.db, roomKey, id);
          await timeline.ready;
          const written = performance.now();
          await writer.start(roomUrl, id);
          toRequested.push((await timeline.when('requested')) - written);
          toStarting.push((await timeline.when('starting')) - written);
          timeline.close();
          await egressNoted(observer.db, roomKey, id);
        }
        p50.figure.push(percentile(toStarting, 0.5));
        p50.baseline.push(percentile(toRequested, 0.5));
        p99.figure.push(percentile(toStarting, 0.99));
        p99.baseline.push(percentile(toRequested, 0.99));
        context.log(
          `  run ${run + 1}: starting p50 ${p50.figure.at(-1)?.toFixed(1)} ms p99 ${p99.figure.at(-1)?.toFixed(1)} ms; ` +
            `bare p50 ${p50.baseline.at(-1)?.toFixed(1)} ms p99 ${p99.baseline.at(-1)?.toFixed(1)} ms`,
        );
      }
      const note = `${commands} start commands a run, one at a time, each in a room of its own with its requester present in LiveKit.`;
      return [
        {
          name: 'start command → starting seen, p50',
          unit: 'ms',
          samples: p50.figure,
          baseline: p50.baseline,
          baselineName: 'write → listener',
          goal: { kind: 'ratio_at_most', value: 3 },
          note,
        },
        {
          name: 'start command → starting seen, p99',
          unit: 'ms',
          samples: p99.figure,
          baseline: p99.baseline,
          baselineName: 'write → listener',
          goal: { kind: 'ratio_at_most', value: 3 },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
