import { z } from 'zod';
import { roomKeyFromUrl } from '../room-key.js';
import { commandId, RECORDING_ID_PATTERN, ROOM_KEY_PATTERN } from './recording-paths.js';

/** A queue entry as the rules let a client write it (docs/architecture.md, "Commands"). */
export const commandSchema = z
  .object({
    action: z.enum(['start', 'stop', 'delete']),
    roomKey: z.string().regex(ROOM_KEY_PATTERN, 'must be a room key'),
    recordingId: z.string().regex(RECORDING_ID_PATTERN, 'must be a push id'),
    by: z.string().min(1).max(128),
    at: z.number().int().positive(),
  })
  .strict();

export type Command = z.infer<typeof commandSchema>;

/** The fields of a record a command is checked against; other fields are ignored here. */
export const commandTargetSchema = z.object({
  roomUrl: z.string(),
  requestedBy: z.string(),
  stopRequestedBy: z.string().optional(),
});

export type CommandTarget = z.infer<typeof commandTargetSchema>;

export type CommandCheck =
  | { readonly kind: 'valid'; readonly command: Command }
  /** Not a command we can act on; its record (if we can find it) is failed with `reason`. */
  | { readonly kind: 'invalid'; readonly reason: string; readonly locator?: CommandLocator }
  /** Well-formed, but there is no record: nothing to fail, so the entry is only deleted. */
  | { readonly kind: 'orphan'; readonly command: Command };

/** Enough of a command to find its record even when the rest of it is malformed. */
export interface CommandLocator {
  readonly roomKey: string;
  readonly recordingId: string;
  /** Known when the entry names one: an invalid delete must never fail its recording. */
  readonly action?: Command['action'];
}

const describeIssues = (error: z.ZodError) =>
  error.issues
    .map((issue) => `${issue.path.join('.') || 'command'}: ${issue.message}`)
    .join('; ')
    .slice(0, 500);

/** Built once: a zod schema costs ~0.1 ms to build, far more than a parse. */
const locatorSchema = z.object({
  roomKey: z.string().regex(ROOM_KEY_PATTERN),
  recordingId: z.string().regex(RECORDING_ID_PATTERN),
  action: z.enum(['start', 'stop', 'delete']).optional().catch(undefined),
});

/** Whatever of a malformed command still points at a record. */
export function locateCommand(raw: unknown): CommandLocator | undefined {
  const locator = locatorSchema.safeParse(raw);
  if (!locator.success) return undefined;
  const { roomKey, recordingId, action } = locator.data;
  return action === undefined ? { roomKey, recordingId } : { roomKey, recordingId, action };
}

/**
 * Pure: whether the queue entry `raw` stored under `key` is a command the controller may act on,
 * given the record it names (`undefined` when there is none).
 */
export function checkCommand(key: string, raw: unknown, record: unknown): CommandCheck {
  const parsed = commandSchema.safeParse(raw);
  const locator = locateCommand(raw);
  if (!parsed.success) return { kind: 'invalid', reason: describeIssues(parsed.error), locator };
  const command = parsed.data;
  if (key !== commandId(command.recordingId, command.action)) {
    return { kind: 'invalid', reason: `queue key ${key} does not name this command`, locator };
  }
  if (record === undefined || record === null) return { kind: 'orphan', command };
  const target = commandTargetSchema.safeParse(record);
  if (!target.success) {
    return { kind: 'invalid', reason: `record: ${describeIssues(target.error)}`, locator };
  }
  let expectedRoomKey: string;
  try {
    expectedRoomKey = roomKeyFromUrl(target.data.roomUrl);
  } catch {
    return { kind: 'invalid', reason: 'record roomUrl is not a valid room URL', locator };
  }
  if (expectedRoomKey !== command.roomKey) {
    return { kind: 'invalid', reason: 'roomKey does not match the record roomUrl', locator };
  }
  // Who may delete is the rules' decision (the requester, or the admin claim) and the
  // deleter's, which can read claims; the record does not name the deleter.
  if (command.action === 'delete') return { kind: 'valid', command };
  const expectedBy =
    command.action === 'start' ? target.data.requestedBy : target.data.stopRequestedBy;
  if (command.by !== expectedBy) {
    const field = command.action === 'start' ? 'requestedBy' : 'stopRequestedBy';
    return { kind: 'invalid', reason: `by does not match the record ${field}`, locator };
  }
  return { kind: 'valid', command };
}
