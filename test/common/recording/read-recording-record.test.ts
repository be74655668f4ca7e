import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readActiveRecording,
  readRecordingRecord,
} from '../../../common/recording/read-recording-record.js';
import {
  activeRecordingSchema,
  recordingRecordSchema,
} from '../../../common/recording/recording-record.js';
import { RECORDING_STATUSES } from '../../../common/recording/recording-status.js';

/**
 * The web app's zod-free reader (common/recording/read-recording-record.ts) against the schema
 * the controller parses with: it must accept every record the schema accepts, with equal content.
 */

const requested = {
  roomUrl: 'https://app.example.com/room/a',
  requestedBy: 'alice',
  requestedAt: 1_700_000_000_000,
  status: 'requested',
};

/** Records as the controller and the rules let them be written, one a life stage. */
const VALID_RECORDS: readonly Record<string, unknown>[] = [
  requested,
  { ...requested, audioOnly: true },
  { ...requested, layout: 'speaker', preset: 'H264_720P_30' },
  { ...requested, status: 'starting', claim: { by: 'controller-1', at: 1 }, updatedAt: 2 },
  {
    ...requested,
    status: 'recording',
    egressId: 'EG_abc123',
    startedAt: 3,
    consents: { bob: 4, carol: 5 },
  },
  { ...requested, status: 'stopping', stopRequestedBy: 'bob', stopRequestedAt: 6 },
  { ...requested, status: 'processing', endedAt: 7, durationMs: 4, consents: {} },
  { ...requested, status: 'uploading', sizeBytes: 2048, progress: { bytes: 1024, total: 2048 } },
  {
    ...requested,
    status: 'uploaded',
    storagePath: 'recordings/a/x.mp4',
    downloadUrl: 'https://storage.example.com/x.mp4',
    downloadUrlExpiresAt: 8,
    egressError: 'LIMIT_REACHED',
  },
  { ...requested, status: 'failed', error: { code: 'upload_failed', message: 'gone' } },
  { ...requested, status: 'failed', error: { code: 'quota_exceeded', message: 'newer' } },
  { ...requested, status: 'canceled', futureField: { nested: [1, 2] } },
  // Extra fields inside a nested object are left out by both.
  { ...requested, status: 'uploading', progress: { bytes: 1, total: 2, rate: 3 } },
  { ...requested, status: 'failed', error: { code: 'egress_failed', message: 'm', at: 1 } },
];

describe('the lenient record reader', () => {
  it('reads every record of the table as the zod schema does', () => {
    for (const raw of VALID_RECORDS) {
      const strict = recordingRecordSchema.safeParse(raw);
      expect(strict.success, JSON.stringify(raw)).toBe(true);
      expect(readRecordingRecord(raw)).toEqual(strict.data);
    }
  });

  it('keeps a failed record whose error code this build does not know (a newer controller)', () => {
    const raw = {
      ...requested,
      status: 'failed',
      error: { code: 'quota_exceeded', message: 'the bucket is full' },
    };
    expect(readRecordingRecord(raw)).toEqual(raw);
  });

  it('drops what is not a record: no object, or a required field missing or of the wrong type', () => {
    const malformed: unknown[] = [
      null,
      undefined,
      'requested',
      42,
      [requested],
      {},
      ...['roomUrl', 'requestedBy', 'requestedAt', 'status'].map((field) => {
        const { [field as keyof typeof requested]: _dropped, ...rest } = requested;
        return rest;
      }),
      { ...requested, roomUrl: 7 },
      { ...requested, requestedBy: null },
      { ...requested, requestedAt: '1700000000000' },
      { ...requested, requestedAt: Number.NaN },
      { ...requested, requestedAt: Number.POSITIVE_INFINITY },
      { ...requested, status: 3 },
    ];
    for (const raw of malformed) {
      expect(readRecordingRecord(raw), JSON.stringify(raw)).toBeUndefined();
      expect(recordingRecordSchema.safeParse(raw).success).toBe(false);
    }
  });

  it('keeps a record with an optional field of the wrong type, without that field', () => {
    const raw = {
      ...requested,
      status: 'uploaded',
      sizeBytes: '2048',
      downloadUrl: 'https://storage.example.com/x.mp4',
      progress: { bytes: 1 },
      consents: { bob: 'yes' },
      error: { code: 'egress_failed' },
    };
    expect(readRecordingRecord(raw)).toEqual({
      ...requested,
      status: 'uploaded',
      downloadUrl: 'https://storage.example.com/x.mp4',
    });
  });

  it('reads a status this build does not know as unknown, keeping the word written', () => {
    expect(readRecordingRecord({ ...requested, status: 'paused', startedAt: 3 })).toEqual({
      ...requested,
      status: 'unknown',
      writtenStatus: 'paused',
      startedAt: 3,
    });
  });
});

/** Mostly of its type, sometimes absent, now and then any JSON. */
const maybe = <T>(value: fc.Arbitrary<T>) =>
  fc.oneof(
    { arbitrary: value, weight: 6 },
    { arbitrary: fc.constant(undefined), weight: 2 },
    { arbitrary: fc.jsonValue({ maxDepth: 1 }), weight: 1 },
  );

/** Near-records: each field absent, of its type, or any JSON; statuses known and not. */
const nearRecord = fc
  .record(
    {
      roomUrl: maybe(fc.webUrl()),
      requestedBy: maybe(fc.string()),
      requestedAt: maybe(fc.double()),
      status: maybe(fc.constantFrom(...RECORDING_STATUSES, 'paused')),
      stopRequestedBy: maybe(fc.string()),
      startedAt: maybe(fc.integer()),
      durationMs: maybe(fc.double()),
      consents: maybe(fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.string()))),
      progress: maybe(fc.record({ bytes: fc.nat(), total: fc.nat() }, { requiredKeys: [] })),
      error: maybe(fc.record({ code: fc.string(), message: fc.string(), at: fc.nat() })),
      claim: maybe(fc.record({ by: fc.string(), at: fc.double() })),
      layout: maybe(fc.string()),
    },
    { requiredKeys: [] },
  )
  .map((record) =>
    Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined)),
  );

describe('the lenient reader and the zod schema never drift', () => {
  it('agree on random near-records: the same record when zod accepts, a valid one when lenient', () => {
    const seen = { both: 0, lenientOnly: 0 };
    fc.assert(
      fc.property(nearRecord, (raw) => {
        const strict = recordingRecordSchema.safeParse(raw);
        const lenient = readRecordingRecord(raw);
        if (strict.success) {
          seen.both++;
          expect(lenient).toEqual(strict.data);
        } else if (lenient !== undefined && lenient.status !== 'unknown') {
          seen.lenientOnly++;
          // What the lenient reader keeps, the schema accepts as it is.
          expect(recordingRecordSchema.parse(lenient)).toEqual(lenient);
        }
      }),
      { numRuns: 2_000 },
    );
    // Both branches ran often enough to mean something.
    expect(seen.both).toBeGreaterThan(20);
    expect(seen.lenientOnly).toBeGreaterThan(20);
  });
});

describe('the lenient lock reader', () => {
  it('reads a lock as the zod schema does', () => {
    for (const raw of [
      { recordingId: 'r1', status: 'starting' },
      { recordingId: 'r1', status: 'recording', startedAt: 5 },
      { recordingId: 'r1', status: 'stopping', startedAt: 5, by: 'controller-1' },
    ]) {
      expect(readActiveRecording(raw)).toEqual(activeRecordingSchema.parse(raw));
    }
  });

  it('reads no lock from nothing or a lock without its recording', () => {
    for (const raw of [null, 'recording', { status: 'recording' }, { recordingId: 3 }]) {
      expect(readActiveRecording(raw)).toBeUndefined();
    }
  });

  it('keeps a lock with a status this build does not know: the room is still held', () => {
    expect(readActiveRecording({ recordingId: 'r1', status: 'paused', startedAt: 'x' })).toEqual({
      recordingId: 'r1',
      status: 'unknown',
    });
  });
});
