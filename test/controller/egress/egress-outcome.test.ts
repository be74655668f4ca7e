import { EgressStatus } from '@livekit/protocol';
import { describe, expect, it } from 'vitest';
import { decideEgressOutcome, type RecordView } from '../../../controller/egress/egress-outcome.js';
import type { EgressSnapshot } from '../../../controller/egress/egress-snapshot.js';

const egress = (status: EgressStatus, overrides: Partial<EgressSnapshot> = {}): EgressSnapshot => ({
  egressId: 'EG_one',
  roomName: 'room',
  status,
  requestedFilepath: '/recordings/room/rec.mp4',
  startedAtMs: 1_000,
  endedAtMs: undefined,
  error: undefined,
  details: undefined,
  file: undefined,
  ...overrides,
});

const finishedFile = {
  location: '/out/room/rec.mp4',
  filename: 'room/rec.mp4',
  sizeBytes: 1234,
  durationMs: 60_000,
};

const record = (overrides: Partial<RecordView> = {}): RecordView => ({
  status: 'starting',
  egressId: 'EG_one',
  stopRequested: false,
  ...overrides,
});

describe('decideEgressOutcome', () => {
  it('moves a starting record to recording when its egress is active', () => {
    expect(decideEgressOutcome(record(), egress(EgressStatus.EGRESS_ACTIVE))).toEqual({
      kind: 'transition',
      to: 'recording',
      fields: { egressId: 'EG_one', startedAt: 1_000 },
    });
  });

  it('moves a recording to processing with the file result when its egress completes', () => {
    const decision = decideEgressOutcome(
      record({ status: 'stopping' }),
      egress(EgressStatus.EGRESS_COMPLETE, { endedAtMs: 61_000, file: finishedFile }),
    );
    expect(decision).toEqual({
      kind: 'transition',
      to: 'processing',
      fields: {
        egressId: 'EG_one',
        endedAt: 61_000,
        durationMs: 60_000,
        sizeBytes: 1234,
      },
    });
  });

  it('reaches processing from starting when the active and ending events were lost', () => {
    const decision = decideEgressOutcome(
      record(),
      egress(EgressStatus.EGRESS_COMPLETE, { file: finishedFile }),
    );
    expect(decision).toMatchObject({ kind: 'transition', to: 'processing' });
  });

  it('ignores a duplicate or late event instead of moving a record backwards', () => {
    expect(
      decideEgressOutcome(record({ status: 'recording' }), egress(EgressStatus.EGRESS_ACTIVE)).kind,
    ).toBe('ignore');
    expect(
      decideEgressOutcome(record({ status: 'processing' }), egress(EgressStatus.EGRESS_ENDING))
        .kind,
    ).toBe('ignore');
    expect(
      decideEgressOutcome(
        record({ status: 'uploading' }),
        egress(EgressStatus.EGRESS_COMPLETE, { file: finishedFile }),
      ).kind,
    ).toBe('ignore');
  });

  it('fails with egress_failed and the egress error when the egress fails', () => {
    const decision = decideEgressOutcome(
      record({ status: 'recording' }),
      egress(EgressStatus.EGRESS_FAILED, { error: 'pipeline crashed' }),
    );
    expect(decision).toMatchObject({
      kind: 'transition',
      to: 'failed',
      error: { code: 'egress_failed', message: 'pipeline crashed' },
    });
  });

  it('cancels when the egress aborts after a stop, and fails with nothing_to_record otherwise', () => {
    const aborted = egress(EgressStatus.EGRESS_ABORTED, { error: 'Start signal not received' });
    expect(decideEgressOutcome(record({ stopRequested: true }), aborted)).toMatchObject({
      kind: 'transition',
      to: 'canceled',
    });
    expect(decideEgressOutcome(record(), aborted)).toMatchObject({
      kind: 'transition',
      to: 'failed',
      error: { code: 'nothing_to_record' },
    });
  });

  it('fails with nothing_to_record when an egress completes without a file', () => {
    expect(
      decideEgressOutcome(record({ status: 'recording' }), egress(EgressStatus.EGRESS_COMPLETE)),
    ).toMatchObject({
      kind: 'transition',
      to: 'failed',
      error: { code: 'nothing_to_record' },
    });
  });

  it('treats a session limit with a file as a finished recording', () => {
    const decision = decideEgressOutcome(
      record({ status: 'recording' }),
      egress(EgressStatus.EGRESS_LIMIT_REACHED, { file: finishedFile }),
    );
    expect(decision).toMatchObject({ kind: 'transition', to: 'processing' });
  });

  it('stops a live egress whose record is already over, and ignores an ended one', () => {
    for (const status of ['canceled', 'failed', 'uploaded'] as const) {
      expect(decideEgressOutcome(record({ status }), egress(EgressStatus.EGRESS_ACTIVE)).kind).toBe(
        'stop_egress',
      );
      expect(
        decideEgressOutcome(record({ status }), egress(EgressStatus.EGRESS_COMPLETE)).kind,
      ).toBe('ignore');
    }
  });

  it('stops a live egress that is not the one its record names', () => {
    expect(
      decideEgressOutcome(record({ egressId: 'EG_other' }), egress(EgressStatus.EGRESS_ACTIVE))
        .kind,
    ).toBe('stop_egress');
  });

  it('records the egress id of a starting record that does not have it yet', () => {
    expect(
      decideEgressOutcome(record({ egressId: undefined }), egress(EgressStatus.EGRESS_STARTING)),
    ).toEqual({
      kind: 'annotate',
      fields: { egressId: 'EG_one' },
    });
  });

  it('only ever proposes a transition the table allows', async () => {
    const { canTransition, RECORDING_STATUSES } = await import(
      '../../../common/recording/recording-status.js'
    );
    for (const status of RECORDING_STATUSES) {
      for (const egressStatus of [0, 1, 2, 3, 4, 5, 6] as EgressStatus[]) {
        for (const stopRequested of [false, true]) {
          for (const file of [undefined, finishedFile]) {
            const decision = decideEgressOutcome(
              record({ status, stopRequested }),
              egress(egressStatus, { file }),
            );
            if (decision.kind === 'transition') {
              expect(
                canTransition(status, decision.to),
                `${status} + ${egressStatus} → ${decision.to}`,
              ).toBe(true);
            }
          }
        }
      }
    }
  });
});
