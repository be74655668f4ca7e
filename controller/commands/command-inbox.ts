import type { Database, DataSnapshot, Reference } from 'firebase-admin/database';
import {
  type Command,
  type CommandLocator,
  checkCommand,
  locateCommand,
} from '../../common/recording/command-schema.js';
import { COMMAND_QUEUE_PATH, recordingPath } from '../../common/recording/recording-paths.js';
import { ValueWatch } from '../firebase/value-watch.js';
import { isJsonObject } from '../json-object.js';
import type { Logger } from '../logging/logger.js';

export interface CommandInboxOptions {
  readonly db: Database;
  readonly logger: Logger;
  /** Names this controller in claims (CONTROLLER_ID): a start it claimed is its own to finish. */
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
 * The controller's inbox (docs/architecture.md, "Commands"): it listens to `recordingQueue`
 * only, so its memory and start-up work do not grow with history. An entry is only a
 * notification: the command's claim is its record's own transition (`requested → starting`,
 * `recording → stopping`), which one controller alone wins, so any number of controllers
 * process a command once. The entry is deleted after, except a start another controller has
 * claimed and not finished: that one deletes it, or, if it died, the reconciler ends the start
 * at its deadline. Entries written while the controller was down arrive as `child_added`.
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

  private watchRecord(locator: CommandLocator): ValueWatch {
    return new ValueWatch(this.options.db.ref(recordingPath(locator.roomKey, locator.recordingId)));
  }

  /**
   * The record's listener is held while the command runs, so the command reads its record once
   * and its transactions start from the cached value (one round trip each, not two).
   */
  private async process(key: string, raw: unknown): Promise<void> {
    const entry = this.queue.child(key);
    const locator = locateCommand(raw);
    const watch = locator === undefined ? undefined : this.watchRecord(locator);
    try {
      const log = this.options.logger.child({ commandId: key });
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
          // Logged once carried out: a start's claim is on the wire first (the latency bench).
          await this.options.execute(check.command, record);
          log.info(
            {
              roomKey: check.command.roomKey,
              recordingId: check.command.recordingId,
              action: check.command.action,
            },
            'command taken',
          );
          if (this.startOfAnother(check.command, await watch?.current())) {
            log.info({ ...locator }, 'start claimed by another controller; its entry is theirs');
            return;
          }
          break;
      }
      await entry.remove();
    } finally {
      watch?.close();
    }
  }

  /** A start another controller claimed and has not finished: the entry stays for it. */
  private startOfAnother(command: Command, raw: unknown): boolean {
    if (command.action !== 'start' || !isJsonObject(raw) || raw.status !== 'starting') return false;
    const claim = raw.claim;
    return isJsonObject(claim) && claim.by !== this.options.controllerId;
  }
}
