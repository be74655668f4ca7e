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

export const uploadStatePath = (recordingFile: string) =>
  recordingFile.replace(/\.mp4$/, '.upload.json');

export async function readUploadSession(recordingFile: string): Promise<UploadSession | undefined> {
  try {
    const parsed = uploadSessionSchema.safeParse(
      JSON.parse(await readFile(uploadStatePath(recordingFile), 'utf8')),
    );
    return parsed.success ? parsed.data : undefined;
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
