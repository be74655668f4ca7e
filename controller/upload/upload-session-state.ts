import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { z } from 'zod';

/**
 * What a restart needs to resume an upload instead of starting over: the resumable session
 * (which authorises writing, so it stays on the controller's disk, never in the database) and
 * the download token the object is being created with. Kept next to the recording as
 * `<recordingId>.upload.json`, so it lives and dies with the file and needs no extra volume.
 */
export const uploadSessionSchema = z.object({
  token: z.uuid(),
  sessionUri: z.url().optional(),
});

export type UploadSession = z.infer<typeof uploadSessionSchema>;

/** Where uploads go: the Storage endpoint the client talks to and the recordings bucket. */
export interface UploadTarget {
  readonly apiEndpoint: string;
  readonly bucket: string;
  readonly objectName: string;
}

/**
 * Whether a saved session URI is a resumable upload of this object into this bucket at this
 * endpoint. The sidecar lies on the recordings volume, which the egress container also writes:
 * a URI planted there would otherwise receive the recording's bytes.
 */
export function isSessionOf(sessionUri: string, target: UploadTarget): boolean {
  let uri: URL;
  let endpoint: URL;
  try {
    uri = new URL(sessionUri);
    endpoint = new URL(target.apiEndpoint);
  } catch {
    return false;
  }
  return (
    uri.origin === endpoint.origin &&
    uri.username === '' &&
    uri.password === '' &&
    uri.pathname === `/upload/storage/v1/b/${encodeURIComponent(target.bucket)}/o` &&
    uri.searchParams.get('name') === target.objectName &&
    uri.searchParams.has('upload_id')
  );
}

export const uploadStatePath = (recordingFile: string) =>
  recordingFile.replace(/\.mp4$/, '.upload.json');

/** The saved session, or undefined when there is none or its URI is not one of `target`'s. */
export async function readUploadSession(
  recordingFile: string,
  target: UploadTarget,
): Promise<UploadSession | undefined> {
  try {
    const parsed = uploadSessionSchema.safeParse(
      JSON.parse(await readFile(uploadStatePath(recordingFile), 'utf8')),
    );
    if (!parsed.success) return undefined;
    const { sessionUri } = parsed.data;
    return sessionUri === undefined || isSessionOf(sessionUri, target) ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Throws what the disk said (ENOSPC, EACCES); the caller decides that an upload goes on anyway. */
export async function saveUploadSession(
  recordingFile: string,
  session: UploadSession,
): Promise<void> {
  const path = uploadStatePath(recordingFile);
  // Write then rename: a crash mid-write leaves the old state, never half a JSON file.
  await writeFile(`${path}.tmp`, JSON.stringify(session));
  await rename(`${path}.tmp`, path);
}

export async function removeUploadSession(recordingFile: string): Promise<void> {
  await rm(uploadStatePath(recordingFile), { force: true });
}
