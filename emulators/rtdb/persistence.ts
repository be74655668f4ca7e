import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

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

/** Writes every namespace in the layout `firebase emulators:export` uses, so it can be re-imported. */
export async function writeExport(
  location: string,
  namespaces: Map<string, unknown>,
): Promise<void> {
  const folder = join(location, EXPORT_FOLDER);
  await mkdir(folder, { recursive: true });
  for (const [name, data] of namespaces) {
    await writeFile(join(folder, `${name}.json`), JSON.stringify(data));
  }
  await writeFile(
    join(location, 'firebase-export-metadata.json'),
    JSON.stringify({
      version: 'rtdb-stand-in',
      database: { version: 'rtdb-stand-in', path: EXPORT_FOLDER },
    }),
  );
}
