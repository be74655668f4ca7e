import { type FileHandle, open } from 'node:fs/promises';

/** A top-level MP4 box: its four-character type, where it starts and how long it is. */
export interface Mp4Box {
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

async function readTopLevelBoxes(file: FileHandle): Promise<Mp4Box[]> {
  const { size } = await file.stat();
  const header = Buffer.alloc(16);
  const boxes: Mp4Box[] = [];
  let offset = 0;
  while (offset + 8 <= size) {
    await file.read(header, 0, 16, offset);
    const type = header.toString('latin1', 4, 8);
    const shortSize = header.readUInt32BE(0);
    const boxSize = shortSize === 1 ? Number(header.readBigUInt64BE(8)) : shortSize;
    if (boxSize < 8) break;
    boxes.push({ type, offset, size: boxSize });
    offset += boxSize;
  }
  return boxes;
}

/** The top-level boxes of an MP4 in file order; a finished recording has `ftyp`, `mdat`, `moov`. */
export async function topLevelBoxes(filePath: string): Promise<Mp4Box[]> {
  const file = await open(filePath, 'r');
  try {
    return await readTopLevelBoxes(file);
  } finally {
    await file.close();
  }
}

/**
 * Cuts an MP4 just before its top-level `moov` box, leaving `ftyp` and `mdat`: the file a
 * killed egress leaves behind, which players and ffprobe refuse ("moov atom not found").
 */
export async function truncateBeforeMoov(filePath: string): Promise<void> {
  const file = await open(filePath, 'r+');
  try {
    const moov = (await readTopLevelBoxes(file)).find((box) => box.type === 'moov');
    if (moov === undefined) throw new Error(`no moov box in ${filePath}`);
    await file.truncate(moov.offset);
  } finally {
    await file.close();
  }
}
