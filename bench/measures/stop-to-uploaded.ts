import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EgressClient } from 'livekit-server-sdk';
import { recordingFileName, storageObjectName } from '../../common/recording/recording-paths.js';
import { BenchStack, StatusTimeline } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { MIB } from '../framework/process-memory.js';
import { startAndSettle } from '../framework/startup.js';
import { deleteObject, rawUpload } from '../framework/uploads.js';

/** The emulated encoder's bitrate: 25 MB of video a second, so 100 MB takes 4 s to record. */
const BYTES_PER_SECOND = 25_000_000;
const NS_PER_MS = 1_000_000n;

/**
 * A participant stops a recording of ~100 MB that the LiveKit emulator's egress really recorded
 * (a test-pattern MP4 padded with H.264 filler to a high bitrate), and the time until another
 * client sees it `uploaded` is compared with what no controller can avoid: the egress's own
 * finalize (from its stop to its end, both stamped in its EgressInfo: finishing the MP4 and
 * copying it out) plus the raw upload of that very file, measured right after.
 */
export const stopToUploaded: Benchmark = {
  name: 'stop to uploaded',
  async run(context) {
    const targetBytes = context.quick ? 5_000_000 : 100_000_000;
    const stack = await BenchStack.start(context.servers, {
      egressActivationDelayMs: 100,
      egressWriteIntervalMs: 200,
      egressFillerBytesPerSecond: BYTES_PER_SECOND,
    });
    try {
      const participant = await stack.participant();
      const observer = await stack.participant();
      await startAndSettle(stack, observer);
      const egressClient = new EgressClient(
        stack.livekit.url,
        stack.keys.apiKey,
        stack.keys.apiSecret,
      );
      const storage = context.servers.storage.host;
      const figure: number[] = [];
      const baseline: number[] = [];
      const sizes: number[] = [];
      for (let run = 0; run < context.runs; run++) {
        const { roomUrl, roomKey } = await stack.roomWith(participant.uid, { publishing: true });
        const id = participant.nextRecordingId();
        const timeline = new StatusTimeline(observer.db, roomKey, id);
        await timeline.ready;
        await participant.start(roomUrl, id);
        await timeline.when('recording');
        await sleep((targetBytes / BYTES_PER_SECOND) * 1000);
        const stopWritten = performance.now();
        await participant.stop(roomUrl, id);
        const uploaded = await timeline.when('uploaded', 120_000);
        timeline.close();
        figure.push(uploaded - stopWritten);

        const [egress] = await egressClient.listEgress({ roomName: roomKey });
        const stoppedAt = egress?.fileResults[0]?.endedAt;
        if (egress === undefined || stoppedAt === undefined) throw new Error('no finished egress');
        const finalizeMs = Number((egress.endedAt - stoppedAt) / NS_PER_MS);
        const path = join(stack.outputDir, recordingFileName(roomKey, id));
        const size = (await stat(path)).size;
        sizes.push(size);
        const raw = await rawUpload(storage, path, size);
        baseline.push(finalizeMs + raw.ms);
        await deleteObject(storage, raw.objectName);
        await deleteObject(storage, storageObjectName(roomKey, id));
        context.log(
          `  run ${run + 1}: ${(size / MIB).toFixed(0)} MiB, stop → uploaded ${figure.at(-1)?.toFixed(0)} ms; ` +
            `finalize ${finalizeMs} ms + raw upload ${raw.ms.toFixed(0)} ms`,
        );
      }
      const meanMb = sizes.reduce((sum, size) => sum + size, 0) / sizes.length / 1e6;
      return [
        {
          name: `stop → uploaded, ${Math.round(meanMb)} MB recording`,
          unit: 'ms',
          samples: figure,
          baseline,
          baselineName: 'finalize + raw upload',
          goal: { kind: 'difference_at_most', value: 1000 },
          note: `recorded by the LiveKit emulator's egress at ${BYTES_PER_SECOND / 1e6} MB/s (H.264 filler); timed from the participant's stop write to \`uploaded\` seen by another client.`,
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
