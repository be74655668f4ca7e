import { stat } from 'node:fs/promises';
import { BenchStack } from '../framework/bench-stack.js';
import type { Benchmark } from '../framework/benchmark.js';
import { inRunOrder } from '../framework/run-order.js';
import { startAndSettle } from '../framework/startup.js';
import { deleteObject, rawUpload, uploadThroughController } from '../framework/uploads.js';

/**
 * Upload throughput of one large recording through the controller's uploader (resumable
 * session, CRC32C, retries, progress writes) against the file piped raw into one PUT on the
 * same Storage emulator. Runs alternate which goes first, so page cache and drift favour neither.
 */
export const uploadThroughput: Benchmark = {
  name: 'upload throughput',
  async run(context) {
    const mib = context.quick ? 32 : 1024;
    const stack = await BenchStack.start(context.servers);
    try {
      const observer = await stack.participant();
      const { controller } = await startAndSettle(stack, observer);
      const path = await context.files.file(mib);
      const size = (await stat(path)).size;
      const storage = context.servers.storage.host;
      const throughput = (ms: number) => size / 2 ** 20 / (ms / 1000);
      const figure: number[] = [];
      const baseline: number[] = [];
      for (let run = 0; run < context.runs; run++) {
        const viaController = async () => {
          const upload = await uploadThroughController(
            stack,
            controller,
            observer.db,
            context.files,
            mib,
          );
          figure.push(throughput(upload.ms));
          await deleteObject(storage, upload.objectName);
        };
        const raw = async () => {
          const upload = await rawUpload(storage, path, size);
          baseline.push(throughput(upload.ms));
          await deleteObject(storage, upload.objectName);
        };
        for (const step of inRunOrder(run, [viaController, raw])) await step();
        context.log(
          `  run ${run + 1}: controller ${figure.at(-1)?.toFixed(0)} MiB/s, raw PUT ${baseline.at(-1)?.toFixed(0)} MiB/s`,
        );
      }
      return [
        {
          name: `upload throughput, ${mib === 1024 ? '1 GiB' : `${mib} MiB`} through the controller`,
          unit: 'MiB/s',
          samples: figure,
          baseline,
          baselineName: 'raw PUT',
          goal: { kind: 'ratio_at_least', value: 0.9 },
          note: 'file placed by the bench (record in processing, file hard-linked into the output dir); timed from `uploading` to `uploaded` as a client sees them; raw = fs.createReadStream piped into one resumable-session PUT (session opened first).',
        },
      ];
    } finally {
      await stack.stop();
    }
  },
};
