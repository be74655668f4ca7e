import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { noSuchObject } from './gcs-error.js';
import type { ObjectChecksums } from './hashing-file-writer.js';
import type { ObjectCreateFields, ObjectPatch } from './object-metadata.js';
import { assertPreconditions, type Preconditions } from './preconditions.js';

/** One live object generation: its metadata in memory, its bytes in one file under the data dir. */
export interface StoredObject extends ObjectChecksums {
  readonly bucket: string;
  readonly name: string;
  readonly generation: string;
  readonly metageneration: number;
  readonly contentType: string;
  readonly contentEncoding?: string;
  readonly contentDisposition?: string;
  readonly contentLanguage?: string;
  readonly cacheControl?: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly timeCreated: string;
  readonly updated: string;
  /** Absolute path of the bytes; named by a random id, never by the object name. */
  readonly dataPath: string;
}

/** What an upload hands over to become an object. */
export interface ObjectCommit {
  readonly bucket: string;
  readonly name: string;
  readonly fields: ObjectCreateFields;
  readonly checksums: ObjectChecksums;
  /** A finished upload file; the store moves it into place. */
  readonly sourcePath: string;
  readonly preconditions: Preconditions;
}

const randomId = () => randomBytes(16).toString('hex');

/** An object's metadata as kept on disk beside its bytes (`<id>.json` next to `<id>`). */
const SavedObject = z.object({
  bucket: z.string(),
  name: z.string(),
  generation: z.string(),
  metageneration: z.number(),
  contentType: z.string(),
  contentEncoding: z.string().optional(),
  contentDisposition: z.string().optional(),
  contentLanguage: z.string().optional(),
  cacheControl: z.string().optional(),
  metadata: z.record(z.string(), z.string()),
  timeCreated: z.string(),
  updated: z.string(),
  size: z.number(),
  crc32c: z.string(),
  md5Hash: z.string(),
});

const METADATA_SUFFIX = '.json';

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const key = (bucket: string, name: string) => `${bucket}\u0000${name}`;

/**
 * The objects of one emulator. Bytes live under `<dir>/objects/<id>` with their metadata in
 * `<id>.json`, so a restarted server on the same directory serves them again; uploads in progress
 * live under `<dir>/uploads/`. File names are random ids, so no object name can reach a path
 * outside the data directory.
 */
export class ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private lastGeneration = 0n;

  private constructor(
    private readonly objectsDir: string,
    private readonly uploadsDir: string,
  ) {}

  static async open(dir: string): Promise<ObjectStore> {
    const store = new ObjectStore(join(dir, 'objects'), join(dir, 'uploads'));
    await mkdir(store.objectsDir, { recursive: true });
    // Upload sessions do not survive a restart, so their partial bytes are garbage.
    await rm(store.uploadsDir, { recursive: true, force: true });
    await mkdir(store.uploadsDir, { recursive: true });
    await store.loadSavedObjects();
    return store;
  }

  private async loadSavedObjects(): Promise<void> {
    for (const file of await readdir(this.objectsDir)) {
      if (!file.endsWith(METADATA_SUFFIX)) continue;
      const dataPath = join(this.objectsDir, file.slice(0, -METADATA_SUFFIX.length));
      const saved = SavedObject.safeParse(
        parseJsonOrUndefined(await readFile(join(this.objectsDir, file), 'utf8')),
      );
      // A half-written or foreign file is not an object.
      if (!saved.success) continue;
      const object: StoredObject = { ...saved.data, dataPath };
      const current = this.get(object.bucket, object.name);
      if (current !== undefined && BigInt(current.generation) > BigInt(object.generation)) continue;
      this.objects.set(key(object.bucket, object.name), object);
      const generation = BigInt(object.generation);
      if (generation > this.lastGeneration) this.lastGeneration = generation;
    }
  }

  private async save(object: StoredObject): Promise<void> {
    const { dataPath, ...saved } = object;
    const path = `${dataPath}${METADATA_SUFFIX}`;
    await writeFile(`${path}.tmp`, JSON.stringify(saved));
    await rename(`${path}.tmp`, path);
  }

  private async removeFiles(object: StoredObject): Promise<void> {
    await rm(`${object.dataPath}${METADATA_SUFFIX}`, { force: true });
    await rm(object.dataPath, { force: true });
  }

  /** A fresh path for an upload's bytes, inside the data directory. */
  newUploadPath(): string {
    return join(this.uploadsDir, randomId());
  }

  get(bucket: string, name: string): StoredObject | undefined {
    return this.objects.get(key(bucket, name));
  }

  require(bucket: string, name: string): StoredObject {
    const found = this.get(bucket, name);
    if (found === undefined) throw noSuchObject(bucket, name);
    return found;
  }

  /** Every object of `bucket`, in lexicographic (UTF-16 code unit) name order. */
  list(bucket: string): StoredObject[] {
    return [...this.objects.values()]
      .filter((object) => object.bucket === bucket)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  all(): StoredObject[] {
    return [...this.objects.values()];
  }

  /** Makes an upload the object's new generation, if the preconditions still hold at this instant. */
  async commit(commit: ObjectCommit): Promise<StoredObject> {
    const { bucket, name, fields, checksums, preconditions } = commit;
    const previous = this.get(bucket, name);
    assertPreconditions(previous, preconditions);
    const dataPath = join(this.objectsDir, randomId());
    await rename(commit.sourcePath, dataPath);
    // The rename yielded: another upload of the same name may have committed meanwhile.
    const current = this.get(bucket, name);
    try {
      assertPreconditions(current, preconditions);
    } catch (error) {
      await rm(dataPath, { force: true });
      throw error;
    }
    const now = new Date().toISOString();
    const stored: StoredObject = {
      bucket,
      name,
      ...checksums,
      generation: this.nextGeneration(),
      metageneration: 1,
      contentType: fields.contentType ?? 'application/octet-stream',
      ...optionalFields(fields),
      metadata: { ...(fields.metadata ?? {}) },
      timeCreated: now,
      updated: now,
      dataPath,
    };
    this.objects.set(key(bucket, name), stored);
    await this.save(stored);
    if (current !== undefined) await this.removeFiles(current);
    return stored;
  }

  async patch(
    bucket: string,
    name: string,
    patch: ObjectPatch,
    preconditions: Preconditions,
  ): Promise<StoredObject> {
    const current = this.require(bucket, name);
    assertPreconditions(current, preconditions);
    const metadata: Record<string, string> = patch.metadata === null ? {} : { ...current.metadata };
    for (const [field, value] of Object.entries(patch.metadata ?? {})) {
      if (value === null) delete metadata[field];
      else metadata[field] = value;
    }
    const optional: Record<string, string | undefined> = {};
    for (const field of OPTIONAL_FIELDS) {
      const value = patch[field];
      optional[field] = value === null ? undefined : (value ?? current[field]);
    }
    const { contentEncoding, contentDisposition, contentLanguage, cacheControl, ...base } = current;
    const updated: StoredObject = {
      ...base,
      ...withoutUndefined(optional),
      metadata,
      contentType:
        patch.contentType === null
          ? 'application/octet-stream'
          : (patch.contentType ?? current.contentType),
      metageneration: current.metageneration + 1,
      updated: new Date().toISOString(),
    };
    this.objects.set(key(bucket, name), updated);
    await this.save(updated);
    return updated;
  }

  async delete(bucket: string, name: string, preconditions: Preconditions): Promise<void> {
    const current = this.require(bucket, name);
    assertPreconditions(current, preconditions);
    this.objects.delete(key(bucket, name));
    await this.removeFiles(current);
  }

  // GCS generations are microseconds since the epoch; strictly increasing here.
  private nextGeneration(): string {
    const now = BigInt(Date.now()) * 1000n;
    this.lastGeneration = now > this.lastGeneration ? now : this.lastGeneration + 1n;
    return String(this.lastGeneration);
  }
}

const OPTIONAL_FIELDS = [
  'contentEncoding',
  'contentDisposition',
  'contentLanguage',
  'cacheControl',
] as const;

function withoutUndefined(fields: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(fields).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
}

function optionalFields(fields: ObjectCreateFields): Record<string, string> {
  return withoutUndefined(
    Object.fromEntries(OPTIONAL_FIELDS.map((field) => [field, fields[field]])),
  );
}
