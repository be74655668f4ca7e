import { open } from 'node:fs/promises';

/**
 * Cuts an MP4 just before its top-level `moov` box, leaving `ftyp` and `mdat`: the file a
 * killed egress leaves behind, which players and ffprobe refuse ("moov atom not found").
 */
export async function truncateBeforeMoov(filePath: string): Promise<void> {
  const file = await open(filePath, 'r+');
  try {
    const { size } = await file.stat();
    const header = Buffer.alloc(16);
    let offset = 0;
    while (offset + 8 <= size) {
      await file.read(header, 0, 16, offset);
      const type = header.toString('latin1', 4, 8);
      const shortSize = header.readUInt32BE(0);
      const boxSize = shortSize === 1 ? Number(header.readBigUInt64BE(8)) : shortSize;
      if (type === 'moov') {
        await file.truncate(offset);
        return;
      }
      if (boxSize < 8) break;
      offset += boxSize;
    }
    throw new Error(`no moov box in ${filePath}`);
  } finally {
    await file.close();
  }
}
