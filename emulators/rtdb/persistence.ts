import { mkdir, open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';

const EXPORT_FOLDER = 'database_export';

/**
 * Reads data to import: a directory laid out as `firebase emulators:export` writes it
 * (`database_export/<namespace>.json`), or one JSON file mapping namespace to data.
 */
export async function readImport(location: string): Promise<Map<string, unknown>> {
  const namespaces = new Map<string, unknown>();
  if ((await stat(location)).isDirectory()) {
    const folder = join(location, EXPORT_FOLDER);
    for (const file of await readdir(folder)) {
      if (!file.endsWith('.json')) continue;
      namespaces.set(
        basename(file, '.json'),
        JSON.parse(await readFile(join(folder, file), 'utf8')),
      );
    }
    return namespaces;
  }
  const parsed: unknown = JSON.parse(await readFile(location, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${location}: expected an object mapping namespace to data`);
  }
  for (const [name, data] of Object.entries(parsed)) namespaces.set(name, data);
  return namespaces;
}

/** Makes the renames done in `dir` durable: a rename is an entry of the directory, not of the file. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes every namespace in the layout `firebase emulators:export` uses, so it can be re-imported.
 * Each file is written whole to a temporary name, synced and renamed over the old one, so a
 * process killed midway (a second Ctrl-C, a power cut) leaves the previous export or the new
 * one, never a truncated file that the next start could not read.
 */
export async function writeExport(
  location: string,
  namespaces: Map<string, unknown>,
): Promise<void> {
  const folder = join(location, EXPORT_FOLDER);
  await mkdir(folder, { recursive: true });
  for (const [name, data] of namespaces) {
    await writeFileAtomic(join(folder, `${name}.json`), JSON.stringify(data));
  }
  await syncDirectory(folder);
  await writeFileAtomic(
    join(location, 'firebase-export-metadata.json'),
    JSON.stringify({
      version: 'rtdb-stand-in',
      database: { version: 'rtdb-stand-in', path: EXPORT_FOLDER },
    }),
  );
  await syncDirectory(location);
}
