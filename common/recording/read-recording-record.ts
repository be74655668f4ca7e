import type { ActiveRecording, RecordingRecord } from './recording-record.js';
import { isRecordingStatus } from './recording-status.js';

/*
 * The records as a reader that may be older than the controller sees them, without zod: the web
 * app's bundle would otherwise carry zod for two object checks. Every record
 * `recordingRecordSchema` accepts reads here with equal content (test/web/read-recording-record
 * .test.ts holds the two to that); beyond that, this reader is lenient, not strict.
 */

/** RecordingRecord's named fields: the index signature `.loose()` adds would swallow an Omit. */
type NamedFields<T> = { [K in keyof T as string extends K ? never : K]: T[K] };

/**
 * A record whose status a newer controller wrote. The web app still lists it (a recording of the
 * room exists, and the room's members should see that) but acts on it in no way.
 */
export type RecordWithUnknownStatus = Omit<NamedFields<RecordingRecord>, 'status'> & {
  readonly status: 'unknown';
  /** The status as written, for the words "this page does not know …". */
  readonly writtenStatus: string;
  readonly [field: string]: unknown;
};

export type RecordAsRead = RecordingRecord | RecordWithUnknownStatus;

/** The lock as read: a status this build does not know still says the room is held. */
export type ActiveRecordingAsRead =
  | ActiveRecording
  | (Omit<ActiveRecording, 'status'> & { readonly status: 'unknown' });

/** A field's value as kept, or undefined to drop it. */
type FieldReader = (value: unknown) => unknown;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const string: FieldReader = (value) => (typeof value === 'string' ? value : undefined);
// zod 4's z.number() refuses NaN and the infinities too.
const number: FieldReader = (value) =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

/** An object with exactly these fields, each kept; any other field is left out, as zod does. */
function objectOf(fields: Readonly<Record<string, FieldReader>>): FieldReader {
  return (value) => {
    if (!isPlainObject(value)) return undefined;
    const kept: Record<string, unknown> = {};
    for (const [name, read] of Object.entries(fields)) {
      const field = read(value[name]);
      if (field === undefined) return undefined;
      kept[name] = field;
    }
    return kept;
  };
}

const timesByUid: FieldReader = (value) =>
  isPlainObject(value) && Object.values(value).every((at) => number(at) !== undefined)
    ? { ...value }
    : undefined;

type RequiredField = 'roomUrl' | 'requestedBy' | 'requestedAt' | 'status';
type OptionalField = Exclude<keyof NamedFields<RecordingRecord>, RequiredField>;

/**
 * One reader for each optional field of `recordingRecordSchema`: the type makes a field added to
 * the schema fail to compile here until it has one. A field of the wrong type is dropped.
 */
const OPTIONAL_FIELDS: Readonly<Record<OptionalField, FieldReader>> = {
  stopRequestedBy: string,
  stopRequestedAt: number,
  consents: timesByUid,
  egressId: string,
  startedAt: number,
  endedAt: number,
  durationMs: number,
  sizeBytes: number,
  storagePath: string,
  downloadUrl: string,
  downloadUrlExpiresAt: number,
  progress: objectOf({ bytes: number, total: number }),
  // Any code: the list shows a newer controller's with the general sentence.
  error: objectOf({ code: string, message: string }),
  egressError: string,
  claim: objectOf({ by: string, at: number }),
  updatedAt: number,
};

const isOptionalField = (name: string): name is OptionalField =>
  Object.hasOwn(OPTIONAL_FIELDS, name);

/**
 * The record `raw` holds, or undefined when it lacks a required field (`roomUrl`, `requestedBy`,
 * `requestedAt`, `status`) of the right type. Optional fields of the wrong type are dropped and
 * fields this build does not know are kept; a status it does not know reads as `unknown`.
 */
export function readRecordingRecord(raw: unknown): RecordAsRead | undefined {
  if (!isPlainObject(raw)) return undefined;
  const { roomUrl, requestedBy, requestedAt, status } = raw;
  if (
    typeof roomUrl !== 'string' ||
    typeof requestedBy !== 'string' ||
    number(requestedAt) === undefined ||
    typeof status !== 'string'
  ) {
    return undefined;
  }
  // fromEntries defines each field, so a field named `__proto__` stays a field.
  const kept = Object.fromEntries(
    Object.entries(raw)
      .map(([name, value]) => [name, isOptionalField(name) ? OPTIONAL_FIELDS[name](value) : value])
      .filter(([, value]) => value !== undefined),
  );
  if (isRecordingStatus(status)) return kept as RecordingRecord;
  return { ...kept, status: 'unknown', writtenStatus: status } as RecordWithUnknownStatus;
}

/** The lock `raw` holds, or undefined when there is none or it names no recording. */
export function readActiveRecording(raw: unknown): ActiveRecordingAsRead | undefined {
  if (!isPlainObject(raw)) return undefined;
  const { recordingId, status, startedAt } = raw;
  if (typeof recordingId !== 'string' || typeof status !== 'string') return undefined;
  const kept = number(startedAt) === undefined ? {} : { startedAt: startedAt as number };
  return { recordingId, status: isRecordingStatus(status) ? status : 'unknown', ...kept };
}
