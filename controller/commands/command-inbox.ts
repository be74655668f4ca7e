import type { Database, DataSnapshot, Reference } from 'firebase-admin/database';
import {
  type Command,
  type CommandLocator,
  checkCommand,
  locateCommand,
} from '../../common/recording/command-schema.js';
import { COMMAND_QUEUE_PATH, recordingPath } from '../../common/recording/recording-paths.js';
import { serverTransaction } from '../firebase/server-transaction.js';
import { ValueWatch } from '../firebase/value-watch.js';
import { isJsonObject } from '../json-object.js';
import type { Logger } from '../logging/logger.js';

/** How long a claim holds before another controller (or this one, restarted) may take over. */
export const CLAIM_LEASE_MS = 60_000;

export interface CommandInboxOptions {
  readonly db: Database;
  readonly logger: Logger;
  /** Names this controller in claims (CONTROLLER_ID). */
  readonly controllerId: string;
  /**
   * Acts on a valid command. `record` is its record as read after the claim (raw; checked against
   * the command only); a listener keeps it in the SDK's cache until `execute` has finished, so
   * the command's transactions on it start from it.
   */
  readonly execute: (command: Command, record: unknown) => Promise<void>;
  /** Fails the record an invalid command names (`invalid_command`, with the reason). */
  readonly reject: (ref: CommandLocator, reason: string) => Promise<void>;
  /** Told of a well-formed command whose record does not exist (metrics). */
  readonly onOrphan?: (command: Command) => void;
}

/**
 * The controller's inbox (DESIGN §3): it listens to `recordingQueue` only, so its memory and
 * start-up work do not grow with history; claims each entry with a transaction, so any number
 * of controllers process it once; acts; and deletes the entry. Entries written while the
 * controller was down arrive as `child_added` when it comes back.
 */
export class CommandInbox {
  private readonly queue: Reference;
  private readonly inFlight = new Map<string, Promise<void>>();
  private listening = false;

  constructor(private readonly options: CommandInboxOptions) {
    this.queue = options.db.ref(COMMAND_QUEUE_PATH);
  }

  start(): void {
    if (this.listening) return;
    this.listening = true;
    this.queue.on('child_added', this.onEntry, (error: Error) => {
      this.options.logger.error({ err: error }, 'the command queue listener was canceled');
    });
  }

  /** Stops taking new commands and waits for those under way. */
  async stop(): Promise<void> {
    this.listening = false;
    this.queue.off('child_added', this.onEntry);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  private readonly onEntry = (snapshot: DataSnapshot): void => {
    const key = snapshot.key;
    if (key === null || !this.listening) return;
    // One recording's commands run in order; different recordings run side by side.
    const seen: unknown = snapshot.val();
    const recordingKey = locateCommand(seen)?.recordingId ?? key;
    const previous = this.inFlight.get(recordingKey) ?? Promise.resolve();
    const next = previous
      .then(() => this.process(key, seen))
      .catch((error: unknown) => {
        this.options.logger.error({ err: error, commandId: key }, 'command failed unexpectedly');
      })
      .finally(() => {
        if (this.inFlight.get(recordingKey) === next) this.inFlight.delete(recordingKey);
      });
    this.inFlight.set(recordingKey, next);
  };

  /** Marks the entry as ours unless another controller holds a live claim. Returns the entry. */
  private async claim(entry: Reference): Promise<unknown> {
    const { controllerId } = this.options;
    let claimedValue: unknown;
    const result = await serverTransaction(entry, (current: unknown) => {
      claimedValue = undefined;
      if (current === null) return null;
      if (!isJsonObject(current)) {
        claimedValue = current;
        return current;
      }
      const claim = current.claim;
      const now = Date.now();
      if (
        isJsonObject(claim) &&
        claim.by !== controllerId &&
        typeof claim.at === 'number' &&
        now - claim.at < CLAIM_LEASE_MS
      ) {
        return undefined;
      }
      const { claim: _previous, ...command } = current;
      claimedValue = command;
      return { ...command, claim: { by: controllerId, at: now } };
    });
    return result.committed && result.snapshot.exists() ? claimedValue : undefined;
  }

  private watchRecord(locator: CommandLocator): ValueWatch {
    return new ValueWatch(this.options.db.ref(recordingPath(locator.roomKey, locator.recordingId)));
  }

  /**
   * The claim goes first, then the record's listener, on the one connection the server answers in
   * order: once the claim is answered the listener's first value follows, as of the claim. The
   * listener is held while the command runs, so a command reads its record once and its status
   * transactions take one round trip instead of two.
   */
  private async process(key: string, seenValue: unknown): Promise<void> {
    const entry = this.queue.child(key);
    const claimed = this.claim(entry);
    const seen = locateCommand(seenValue);
    let watch = seen === undefined ? undefined : this.watchRecord(seen);
    try {
      const raw = await claimed;
      if (raw === undefined) return;
      const log = this.options.logger.child({ commandId: key });
      const locator = locateCommand(raw);
      if (locator !== undefined && !sameRecord(locator, seen)) {
        // The entry changed between its event and its claim: watch the record it names now.
        watch?.close();
        watch = this.watchRecord(locator);
      }
      const record = locator === undefined ? undefined : await watch?.current();
      const check = checkCommand(key, raw, record ?? undefined);
      switch (check.kind) {
        case 'invalid':
          log.warn({ reason: check.reason, ...locator }, 'invalid command');
          if (locator !== undefined && record !== null)
            await this.options.reject(locator, check.reason);
          break;
        case 'orphan':
          log.warn({ ...locator }, 'command without a recording record; deleting it');
          this.options.onOrphan?.(check.command);
          break;
        case 'valid':
          log.info(
            {
              roomKey: check.command.roomKey,
              recordingId: check.command.recordingId,
              action: check.command.action,
            },
            'command claimed',
          );
          await this.options.execute(check.command, record);
          break;
      }
      await entry.remove();
    } finally {
      watch?.close();
    }
  }
}

function sameRecord(a: CommandLocator, b: CommandLocator | undefined): boolean {
  return a.roomKey === b?.roomKey && a.recordingId === b.recordingId;
}
