import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import type { GcsError } from './gcs-error.js';
import { HashingFileWriter } from './hashing-file-writer.js';
import type { ObjectCreateFields } from './object-metadata.js';
import type { StoredObject } from './object-store.js';
import type { Preconditions } from './preconditions.js';

export type UploadSessionState =
  | { readonly kind: 'open' }
  | { readonly kind: 'finalized'; readonly object: StoredObject }
  | { readonly kind: 'failed'; readonly error: GcsError };

/** One resumable upload: its target, its declared size, and the bytes persisted so far. */
export class UploadSession {
  state: UploadSessionState = { kind: 'open' };
  /** The request whose body is being persisted now, if any. */
  receiving: IncomingMessage | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly id: string,
    readonly bucket: string,
    readonly name: string,
    readonly fields: ObjectCreateFields,
    readonly preconditions: Preconditions,
    readonly declaredSize: number | undefined,
    readonly writer: HashingFileWriter,
  ) {}

  get persisted(): number {
    return this.writer.size;
  }

  /**
   * Runs `work` after every earlier request of this session has finished, so a status query
   * that races a reset connection sees the bytes that connection persisted.
   */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** What a resumable upload will become, fixed when the session starts. */
export interface UploadTarget {
  readonly bucket: string;
  readonly name: string;
  readonly fields: ObjectCreateFields;
  readonly preconditions: Preconditions;
  readonly declaredSize: number | undefined;
  /** Where the session's bytes go, inside the data directory. */
  readonly path: string;
}

/** The open resumable uploads, by upload id (the opaque part of the session URI). */
export class UploadSessions {
  private readonly sessions = new Map<string, UploadSession>();

  async create(target: UploadTarget): Promise<UploadSession> {
    const id = randomBytes(24).toString('base64url');
    const writer = await HashingFileWriter.create(target.path);
    const session = new UploadSession(
      id,
      target.bucket,
      target.name,
      target.fields,
      target.preconditions,
      target.declaredSize,
      writer,
    );
    this.sessions.set(id, session);
    return session;
  }

  get(id: string): UploadSession | undefined {
    return this.sessions.get(id);
  }

  ids(): string[] {
    return [...this.sessions.keys()];
  }

  /** Forgets a session and its bytes (cancel, expiry); later requests for it get 404. */
  async discard(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (session === undefined) return;
    this.sessions.delete(id);
    await session.exclusive(async () => {
      await session.writer.close().catch(() => undefined);
      await rm(session.writer.path, { force: true });
    });
  }
}
