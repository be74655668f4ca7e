import type { RecordingRef } from '../../common/recording/recording-ref.js';
import type { Logger } from '../logging/logger.js';
import type { RecordingStore } from '../records/recording-store.js';
import { decideEgressOutcome } from './egress-outcome.js';
import type { EgressSnapshot } from './egress-snapshot.js';
import type { LivekitRecorder } from './livekit-recorder.js';

export interface EgressOutcomeDependencies {
  readonly store: RecordingStore;
  readonly livekit: LivekitRecorder;
  readonly logger: Logger;
}

/**
 * Brings a record up to date with what its egress reports, from a webhook or from ListEgress
 * alike: read the record, decide (pure), apply. Safe to call any number of times, in any order.
 */
export async function applyEgressOutcome(
  deps: EgressOutcomeDependencies,
  ref: RecordingRef,
  egress: EgressSnapshot,
): Promise<void> {
  const record = await deps.store.read(ref);
  // Fields, not a child logger: most events change nothing and log nothing at info.
  const about = { ...ref, egressId: egress.egressId };
  const log = deps.logger;
  if (record === undefined) {
    log.warn({ ...about, egressStatus: egress.status }, 'egress has no recording record');
    return;
  }
  const decision = decideEgressOutcome(
    {
      status: record.status,
      egressId: record.egressId,
      stopRequested: record.stopRequestedBy !== undefined,
    },
    egress,
  );
  switch (decision.kind) {
    case 'ignore':
      log.debug({ ...about, reason: decision.reason }, 'egress event changes nothing');
      return;
    case 'annotate':
      await deps.store.annotate(ref, decision.fields);
      return;
    case 'transition':
      await deps.store.transition(ref, decision.to, {
        fields: decision.fields,
        error: decision.error,
      });
      return;
    case 'stop_egress':
      log.warn({ ...about, reason: decision.reason }, 'stopping an egress whose recording is over');
      await deps.livekit.stopEgress(egress.egressId).catch((error: unknown) => {
        log.warn({ ...about, err: error }, 'could not stop the stray egress');
      });
      return;
  }
}
