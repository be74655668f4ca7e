import { setTimeout as sleep } from 'node:timers/promises';
import { storageObjectName } from '../../common/recording/recording-paths.js';
import { BenchStack, type Participant, StatusTimeline } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { type Figure, median } from '../framework/figure.js';
import { cpuTimeOf, untilCpuQuiet } from '../framework/process-cpu.js';
import { memoryOf } from '../framework/process-memory.js';
import { inRunOrder } from '../framework/run-order.js';
import { startAndSettle } from '../framework/startup.js';
import { deleteObject } from '../framework/uploads.js';

/** A room of its own, its participant publishing, the recording id chosen and listened to. */
interface Room {
  readonly participant: Participant;
  readonly roomUrl: string;
  readonly roomKey: string;
  readonly id: string;
  readonly timeline: StatusTimeline;
}

interface RoomLatency {
  readonly startMs: number;
  readonly stopMs: number;
}

/** What a batch of recordings cost the controller, and how long its rooms waited. */
interface Batch {
  /** Controller CPU (user + system) in the batch's windows, over its recordings. */
  readonly cpuMsPerRecording: number;
  /** Wall time of those windows, over its recordings. */
  readonly windowMsPerRecording: number;
  readonly latencies: readonly RoomLatency[];
}

/**
 * Opens a room for each participant (only that participant a member, publishing in LiveKit),
 * runs `record` on them, then closes them and deletes their objects.
 */
async function withRooms<T>(
  stack: BenchStack,
  participants: readonly Participant[],
  record: (rooms: readonly Room[]) => Promise<T>,
): Promise<T> {
  const rooms = await Promise.all(
    participants.map(async (participant) => {
      const { roomUrl, roomKey } = await stack.roomWith(participant.uid, {
        publishing: true,
        members: [participant],
      });
      const id = participant.nextRecordingId();
      return {
        participant,
        roomUrl,
        roomKey,
        id,
        timeline: new StatusTimeline(participant.db, roomKey, id),
      };
    }),
  );
  try {
    await Promise.all(rooms.map((room) => room.timeline.ready));
    return await record(rooms);
  } finally {
    for (const room of rooms) {
      room.timeline.close();
      await deleteObject(stack.servers.storage.host, storageObjectName(room.roomKey, room.id));
    }
  }
}

/**
 * Every room's participant starts its recording at the same moment; once all are `recording`,
 * `whileRecording` runs and they record `recordForMs`; then all stop at the same moment. Each
 * room's start write → `recording` and stop write → `uploaded`, as its participant saw them.
 */
async function recordAtOnce(
  rooms: readonly Room[],
  recordForMs: number,
  whileRecording: () => Promise<void> = async () => {},
): Promise<RoomLatency[]> {
  const started = await Promise.all(
    rooms.map(async (room) => {
      const written = performance.now();
      await room.participant.start(room.roomUrl, room.id);
      return (await room.timeline.when('recording')) - written;
    }),
  );
  await whileRecording();
  await sleep(recordForMs);
  const stopped = await Promise.all(
    rooms.map(async (room) => {
      const written = performance.now();
      await room.participant.stop(room.roomUrl, room.id);
      return (await room.timeline.when('uploaded', 120_000)) - written;
    }),
  );
  return rooms.map((_, i) => ({ startMs: started[i] as number, stopMs: stopped[i] as number }));
}

/** The controller's CPU and wall time over `work`, read just before it and just after. */
async function cpuWindow<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ cpuMs: number; wallMs: number; result: T }> {
  const cpuBefore = await cpuTimeOf(pid);
  const wallBefore = performance.now();
  const result = await work();
  const wallMs = performance.now() - wallBefore;
  return { cpuMs: (await cpuTimeOf(pid)) - cpuBefore, wallMs, result };
}

/**
 * The recordings of all `participants` at once on a quiet controller: one CPU window from just
 * before the first start command is written to just after the last `uploaded` is seen, and
 * the controller's VmRSS growth from just before it to the moment all are `recording`.
 */
function recordTogether(
  stack: BenchStack,
  pid: number,
  participants: readonly Participant[],
  recordForMs: number,
): Promise<Batch & { readonly rssGrowthPerRecording: number }> {
  return withRooms(stack, participants, async (rooms) => {
    await untilCpuQuiet(pid);
    const rssBefore = (await memoryOf(pid)).rss;
    let rssActive = rssBefore;
    const window = await cpuWindow(pid, () =>
      recordAtOnce(rooms, recordForMs, async () => {
        rssActive = (await memoryOf(pid)).rss;
      }),
    );
    return {
      cpuMsPerRecording: window.cpuMs / rooms.length,
      windowMsPerRecording: window.wallMs / rooms.length,
      rssGrowthPerRecording: (rssActive - rssBefore) / rooms.length,
      latencies: window.result,
    };
  });
}

/**
 * The recordings of `participants` one after another, each alone on a quiet controller in a
 * CPU window of its own from its start command written to its `uploaded` seen.
 */
function recordAlone(
  stack: BenchStack,
  pid: number,
  participants: readonly Participant[],
  recordForMs: number,
): Promise<Batch> {
  return withRooms(stack, participants, async (rooms) => {
    let cpuMs = 0;
    let wallMs = 0;
    const latencies: RoomLatency[] = [];
    for (const room of rooms) {
      await untilCpuQuiet(pid);
      const window = await cpuWindow(pid, () => recordAtOnce([room], recordForMs));
      cpuMs += window.cpuMs;
      wallMs += window.wallMs;
      latencies.push(...window.result);
    }
    return {
      cpuMsPerRecording: cpuMs / rooms.length,
      windowMsPerRecording: wallMs / rooms.length,
      latencies,
    };
  });
}

/**
 * The quiet controller's CPU a second (its timers: prom-client samples event-loop delay at
 * 100 Hz). Quiet here is stricter than before a window, one tick in a whole second, so that
 * the tail of the batch before is not read as idle.
 */
async function idleCpuRate(pid: number, spanMs: number): Promise<number> {
  await untilCpuQuiet(pid, 1_000);
  const window = await cpuWindow(pid, () => sleep(spanMs));
  return (window.cpuMs * 1000) / window.wallMs;
}

const KIB = 1024;

interface Measured {
  readonly counts: readonly number[];
  readonly aloneCount: number;
  readonly recordForMs: number;
  /** The quiet controller's CPU, ms a second, once a run. */
  readonly idle: readonly number[];
  readonly alone: {
    readonly cpu: readonly number[];
    readonly window: readonly number[];
    readonly start: readonly number[];
    readonly stop: readonly number[];
  };
  readonly together: ReadonlyMap<number, TogetherSamples>;
}

/** The wall times the measure judged before it judged CPU, reported beside it. */
const WALL_TIMES = [
  { step: 'start → recording', of: 'start' },
  { step: 'stop → uploaded', of: 'stop' },
] as const;

function figuresOf(measured: Measured): Figure[] {
  const { counts, aloneCount, recordForMs, idle, alone, together } = measured;
  const samplesOf = (count: number): TogetherSamples => {
    const samples = together.get(count);
    if (samples === undefined) throw new Error(`no samples for ${count} rooms`);
    return samples;
  };
  // The idle ticking inside a recording's share of the windows, from the medians of the runs.
  const idleIn = (windowMs: readonly number[]) =>
    ((median(idle) * median(windowMs)) / 1000).toFixed(1);
  const cpu = counts.map(
    (count, i): Figure => ({
      name: `controller CPU a recording, ${count} rooms at once`,
      unit: 'ms',
      samples: samplesOf(count).cpu,
      baseline: alone.cpu,
      baselineName: 'one room alone',
      goal: { kind: 'ratio_at_most', value: 1.2 },
      note:
        i > 0
          ? undefined
          : `utime + stime of the controller process (/proc/<pid>/stat) from just before the first start command is written ` +
            `to just after the last uploaded is seen, over the recordings; one room alone: ${aloneCount} recordings one after ` +
            `another, each in a window of its own on a quiet controller. Each room has its own participant (web SDK client, ` +
            `its only member) publishing in LiveKit; egress activation delay 100 ms; ${recordForMs / 1000} s test-pattern ` +
            `recordings (emulator egress); reconcile interval 3600 s.`,
    }),
  );
  const idleFigure: Figure = {
    name: 'controller idle CPU',
    unit: 'ms/s',
    samples: idle,
    goal: { kind: 'reported', comparison: 'none' },
    note:
      `the quiet controller's CPU a second, once a run. At the medians it is ${idleIn(alone.window)} ms of a lone ` +
      `recording's window (${(median(alone.window) / 1000).toFixed(1)} s), ` +
      counts
        .map((count) => `${idleIn(samplesOf(count).window)} ms of a recording's share at ${count}`)
        .join(', ') +
      ': time, not recordings, costs it.',
  };
  const rss = counts.map(
    (count, i): Figure => ({
      name: `controller RSS growth a recording, ${count} recordings active`,
      unit: 'KiB',
      samples: samplesOf(count).rss,
      goal: { kind: 'reported', comparison: 'none' },
      note:
        i > 0
          ? undefined
          : 'VmRSS once all record minus VmRSS just before the first start, over the recordings; one reading each, so ' +
            'where the GC happens to be moves it.',
    }),
  );
  const latency = counts.flatMap((count, i) =>
    WALL_TIMES.map(
      ({ step, of }, j): Figure => ({
        name: `${count} rooms at once: ${step}, slowest room`,
        unit: 'ms',
        samples: samplesOf(count)[of],
        baseline: alone[of],
        baselineName: 'one room',
        goal: { kind: 'reported', comparison: 'ratio' },
        note:
          i > 0 || j > 0
            ? undefined
            : `the slowest room of the batch against the median room of the lone series in the same run: every process ` +
              `of the stack shares the two cores, so this is the machine's figure, not the controller's.`,
      }),
    ),
  );
  return [...cpu, idleFigure, ...rss, ...latency];
}

/** One run's samples for N rooms at once, beside the lone rooms of the same run. */
interface TogetherSamples {
  readonly cpu: number[];
  readonly window: number[];
  readonly rss: number[];
  readonly start: number[];
  readonly stop: number[];
}

/**
 * The controller's own cost of a recording, start to `uploaded`, with 20 and 50 rooms recording
 * at once against one room alone, in the same run: its CPU time a recording (judged), its RSS
 * growth a recording, its idle CPU and the slowest room's latencies (reported).
 */
export const concurrentRooms: Benchmark = {
  name: 'concurrent rooms',
  async run(context) {
    const counts = context.quick ? [3, 5] : [20, 50];
    // Alone, a recording costs a few clock ticks: ten windows keep the tick's rounding small.
    const aloneCount = context.quick ? 3 : 10;
    const recordForMs = context.quick ? 500 : 2_000;
    const idleSpanMs = context.quick ? 2_000 : 5_000;
    const stack = await BenchStack.start(context.servers, {
      egressActivationDelayMs: 100,
      egressWriteIntervalMs: 200,
    });
    try {
      const participants = await Promise.all(
        Array.from({ length: Math.max(...counts, aloneCount) }, () => stack.participant()),
      );
      const [first] = participants;
      if (first === undefined) throw new Error('no participants');
      const { pid } = (
        await startAndSettle(stack, first, {
          // The reconcile pass and the directory rescan run every 15 s by default: the lone
          // windows add up to several times a batch's, so most passes would land in the baseline.
          env: { RECONCILE_INTERVAL_S: '3600' },
        })
      ).controller;
      // The largest batch and a lone recording first: the start-up's own tail is over, and
      // connections and code paths are warm for every case.
      await recordTogether(stack, pid, participants.slice(0, Math.max(...counts)), recordForMs);
      await recordAlone(stack, pid, [first], recordForMs);
      const idle: number[] = [];
      const alone = {
        cpu: [] as number[],
        window: [] as number[],
        start: [] as number[],
        stop: [] as number[],
      };
      const together = new Map<number, TogetherSamples>(
        counts.map((count) => [count, { cpu: [], window: [], rss: [], start: [], stop: [] }]),
      );
      for (let run = 0; run < context.runs; run++) {
        idle.push(await idleCpuRate(pid, idleSpanMs));
        const aloneStep = async () => {
          const batch = await recordAlone(
            stack,
            pid,
            participants.slice(0, aloneCount),
            recordForMs,
          );
          alone.cpu.push(batch.cpuMsPerRecording);
          alone.window.push(batch.windowMsPerRecording);
          alone.start.push(median(batch.latencies.map((room) => room.startMs)));
          alone.stop.push(median(batch.latencies.map((room) => room.stopMs)));
          context.log(
            `  run ${run + 1}: alone (${aloneCount} one after another): ${batch.cpuMsPerRecording.toFixed(1)} ms CPU a recording ` +
              `over ${batch.windowMsPerRecording.toFixed(0)} ms; median start → recording ${alone.start.at(-1)?.toFixed(0)} ms, ` +
              `stop → uploaded ${alone.stop.at(-1)?.toFixed(0)} ms; idle ${idle.at(-1)?.toFixed(1)} ms CPU a second`,
          );
        };
        const togetherSteps = counts.map((count) => async () => {
          const batch = await recordTogether(stack, pid, participants.slice(0, count), recordForMs);
          const samples = together.get(count);
          if (samples === undefined) throw new Error(`no samples for ${count} rooms`);
          samples.cpu.push(batch.cpuMsPerRecording);
          samples.window.push(batch.windowMsPerRecording);
          samples.rss.push(batch.rssGrowthPerRecording / KIB);
          samples.start.push(Math.max(...batch.latencies.map((room) => room.startMs)));
          samples.stop.push(Math.max(...batch.latencies.map((room) => room.stopMs)));
          context.log(
            `  run ${run + 1}: ${count} at once: ${batch.cpuMsPerRecording.toFixed(1)} ms CPU a recording ` +
              `over ${batch.windowMsPerRecording.toFixed(0)} ms, RSS +${samples.rss.at(-1)?.toFixed(0)} KiB a recording; ` +
              `slowest start → recording ${samples.start.at(-1)?.toFixed(0)} ms, stop → uploaded ${samples.stop.at(-1)?.toFixed(0)} ms`,
          );
        });
        for (const step of inRunOrder(run, [aloneStep, ...togetherSteps])) await step();
      }
      return figuresOf({ counts, aloneCount, recordForMs, idle, alone, together });
    } finally {
      await stack.stop();
    }
  },
};
