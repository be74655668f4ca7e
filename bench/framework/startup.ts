import { randomBytes } from 'node:crypto';
import { roomKeyFromUrl } from '../../common/room-key.js';
import { pendingUploadPath } from '../../controller/records/pending-uploads.js';
import type { BenchStack, ControllerUnderTest, Participant } from './bench-stack.js';
import { StatusTimeline } from './bench-stack.js';
import { memoryOf } from './process-memory.js';
import { recordingId } from './uploads.js';

export interface ControllerStartup {
  readonly controller: ControllerUnderTest;
  /** From spawn to the end of start-up reconciliation (the marker record failed). */
  readonly ms: number;
  /** VmHWM (the process's peak RSS so far) when start-up had finished, in bytes. */
  readonly peakRss: number;
}

/**
 * Starts a controller and waits until its start-up work is done. The marker is a record left in
 * `uploading` by this controller (by its CONTROLLER_ID) whose file is gone, as a crash
 * mid-upload and a lost disk leave it: only the start-up pass over unfinished uploads fails it
 * (`file_missing`), so seeing it failed means that pass, whatever the history, has finished.
 * Every benchmark starts its controller this way: work placed earlier would race that pass.
 */
export async function startAndSettle(
  stack: BenchStack,
  observer: Participant,
  options: { readonly namespace?: string; readonly env?: Record<string, string> } = {},
): Promise<ControllerStartup> {
  const namespace = options.namespace ?? stack.namespace;
  const controllerId = `bench-${randomBytes(4).toString('hex')}`;
  const roomUrl = `https://app.example.com/room/marker-${randomBytes(4).toString('hex')}`;
  const roomKey = roomKeyFromUrl(roomUrl);
  const id = recordingId();
  const now = Date.now();
  await stack.adminPatch(
    '',
    {
      [`recordings/${roomKey}/${id}`]: {
        roomUrl,
        requestedBy: 'bench',
        requestedAt: now,
        status: 'uploading',
      },
      // Its entry in the pending-upload index, as the controller writes it beside the record.
      [pendingUploadPath(roomKey, id)]: { status: 'uploading', by: controllerId, since: now },
    },
    namespace,
  );
  await observer.join(roomKey);
  const timeline = new StatusTimeline(observer.db, roomKey, id);
  try {
    await timeline.when('uploading');
    const controller = await stack.startController({
      namespace,
      env: { CONTROLLER_ID: controllerId, ...options.env },
    });
    const failedAt = await timeline.when('failed', 120_000);
    const { hwm } = await memoryOf(controller.pid);
    return { controller, ms: failedAt - controller.spawnedAt, peakRss: hwm };
  } finally {
    timeline.close();
  }
}
