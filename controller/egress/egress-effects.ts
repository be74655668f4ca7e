import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { Logger } from '../logging/logger.js';
import type { LivekitRecorder } from './livekit-recorder.js';

/**
 * Asks LiveKit to stop an egress and only logs a failure: a StopEgress can block for seconds
 * (the real server holds it while Chrome launches) or time out, and the reconciler compares the
 * record with ListEgress on its next pass and asks again. Nothing waits for it.
 */
export async function stopEgressQuietly(
  deps: { readonly livekit: LivekitRecorder; readonly logger: Logger },
  ref: RecordingRef,
  egressId: string,
): Promise<void> {
  try {
    await deps.livekit.stopEgress(egressId);
  } catch (error) {
    deps.logger.warn(
      { ...ref, egressId, err: error },
      'StopEgress failed; the reconciler asks again',
    );
  }
}
