import { createReadStream } from 'node:fs';
import { hardwareCrc32cGenerator } from './hardware-crc32c.js';

/** The file's CRC32C in Storage's encoding (base64 of the big-endian value), read as a stream. */
export async function localFileCrc32c(path: string): Promise<string> {
  const crc = hardwareCrc32cGenerator();
  for await (const chunk of createReadStream(path)) crc.update(chunk as Buffer);
  return crc.toString();
}
