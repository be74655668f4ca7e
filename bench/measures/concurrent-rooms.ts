import { setTimeout as sleep } from 'node:timers/promises';
import { storageObjectName } from '../../common/recording/recording-paths.js';
import { BenchStack, type Participant, StatusTimeline } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { inRunOrder } from '../framework/run-order.js';
import { startAndSettle } from '../framework/startup.js';
import { deleteObject } from '../framework/uploads.js';

interface RoomLatency {
  readonly startMs: number;
  readonly stopMs: number;
}

/**
 * `rooms` participants each start a recording of their own room at the same moment, record for
 * a while (two seconds; half a second in --quick), and stop at the same moment; each room's latencies (start write → `recording`,
 * stop write → `uploaded`, as that participant's client sees them) are returned.
 */
async function recordRoomsAtOnce(
  stack: BenchStack,
  participants: readonly Participant[],
  recordForMs: number,
): Promise<RoomLatency[]> {
  const rooms = await Promise.all(
    participants.map(async (participant) => {
      const { roomUrl, roomKey } = await stack.roomWith(participant.uid, { publishing: true });
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
  await Promise.all(rooms.map((room) => room.timeline.ready));
  const started = await Promise.all(
    rooms.map(async (room) => {
      const written = performance.now();
      await room.participant.start(room.roomUrl, room.id);
      return (await room.timeline.when('recording')) - written;
    }),
  );
  await sleep(recordForMs);
  const stopped = await Promise.all(
    rooms.map(async (room) => {
      const written = performance.now();
      await room.participant.stop(room.roomUrl, room.id);
      return (await room.timeline.when('uploaded', 120_000)) - written;
    }),
  );
  for (const room of rooms) {
    room.timeline.close();
    await deleteObject(stack.servers.storage.host, storageObjectName(room.roomKey, room.id));
  }
  return rooms.map((_, i) => ({ startMs: started[i] as number, stopMs: stopped[i] as number }));
}

/**
 * 20 rooms recording at once on one controller against one room alone: each room's start and
 * stop latency, the slowest of the 20 rooms compared with the lone room of the same run.
 */
export const concurrentRooms: Benchmark = {
  name: 'concurrent rooms',
  async run(context) {
    const count = context.quick ? 3 : 20;
    const recordForMs = context.quick ? 500 : 2_000;
    const stack = await BenchStack.start(context.servers, {
      egressActivationDelayMs: 100,
      egressWriteIntervalMs: 200,
    });
    try {
      const participants = await Promise.all(
        Array.from({ length: count }, () => stack.participant()),
      );
      const [first] = participants;
      if (first === undefined) throw new Error('no participants');
      await startAndSettle(stack, first);
      // One lone recording first: connections and code paths warm for both cases.
      await recordRoomsAtOnce(stack, [first], recordForMs);
      const start = { many: [] as number[], one: [] as number[] };
      const stop = { many: [] as number[], one: [] as number[] };
      for (let run = 0; run < context.runs; run++) {
        const alone = async () => {
          const [room] = await recordRoomsAtOnce(stack, [first], recordForMs);
          start.one.push(room?.startMs ?? Number.NaN);
          stop.one.push(room?.stopMs ?? Number.NaN);
        };
        const together = async () => {
          const rooms = await recordRoomsAtOnce(stack, participants, recordForMs);
          start.many.push(Math.max(...rooms.map((room) => room.startMs)));
          stop.many.push(Math.max(...rooms.map((room) => room.stopMs)));
        };
        for (const step of inRunOrder(run, [alone, together])) await step();
        context.log(
          `  run ${run + 1}: start → recording ${start.one.at(-1)?.toFixed(0)} ms alone, ${start.many.at(-1)?.toFixed(0)} ms slowest of ${count}; ` +
            `stop → uploaded ${stop.one.at(-1)?.toFixed(0)} ms alone, ${stop.many.at(-1)?.toFixed(0)} ms slowest of ${count}`,
        );
      }
      const note = `each room its own participant (web SDK client) publishing in LiveKit; egress activation delay 100 ms; ${recordForMs / 1000} s test-pattern recordings (emulator egress); the figure is the slowest of the ${count} rooms.`;
      return [
        {
          name: `${count} rooms at once: start → recording, slowest room`,
          unit: 'ms',
          samples: start.many,
          baseline: start.one,
          baselineName: 'one room',
          goal: { kind: 'ratio_at_most', value: 1.5 },
          note,
        },
        {
          name: `${count} rooms at once: stop → uploaded, slowest room`,
          unit: 'ms',
          samples: stop.many,
          baseline: stop.one,
          baselineName: 'one room',
          goal: { kind: 'ratio_at_most', value: 1.5 },
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
