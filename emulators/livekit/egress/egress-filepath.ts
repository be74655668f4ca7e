import { isAbsolute, posix, relative, resolve } from 'node:path';
import { EncodedFileType } from '@livekit/protocol';

const EXTENSION_BY_FILE_TYPE: Readonly<Record<EncodedFileType, string>> = {
  [EncodedFileType.DEFAULT_FILETYPE]: '.mp4',
  [EncodedFileType.MP4]: '.mp4',
  [EncodedFileType.OGG]: '.ogg',
  [EncodedFileType.MP3]: '.mp3',
};

/** Extensions egress recognises as "a wrong extension" and replaces (types.FileExtensions). */
const KNOWN_EXTENSIONS = new Set([
  '.ogg',
  '.mp3',
  '.mp4',
  '.ts',
  '.webm',
  '.m3u8',
  '.jpeg',
  '.txt',
]);

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** Go's `2006-01-02T150405`, in UTC as the egress container runs. */
export function formatEgressTime(at: Date): string {
  return (
    `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}` +
    `T${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}`
  );
}

/** Go's `20060102150405` plus 3-digit milliseconds. */
function formatEgressUtc(at: Date): string {
  return (
    `${at.getUTCFullYear()}${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())}` +
    `${pad(at.getUTCHours())}${pad(at.getUTCMinutes())}${pad(at.getUTCSeconds())}` +
    pad(at.getUTCMilliseconds(), 3)
  );
}

export interface FilepathContext {
  readonly roomName: string;
  readonly roomId: string;
  readonly fileType: EncodedFileType;
  readonly now: Date;
}

/** Go's `path.Clean`, then leading `../` dropped, a trailing `/` kept (egress `clean`). */
export function cleanEgressFilepath(filepath: string): string {
  const endsWithSlash = filepath.endsWith('/');
  let cleaned = filepath === '' ? '' : posix.normalize(filepath);
  if (cleaned.length > 1 && cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
  while (cleaned.startsWith('../')) cleaned = cleaned.slice(3);
  if (cleaned === '' || cleaned === '.' || cleaned === '..') return '';
  return endsWithSlash && cleaned !== '/' ? `${cleaned}/` : cleaned;
}

/**
 * The storage filepath egress resolves at start (`pkg/config/output_file.go`): the path
 * cleaned, template variables replaced, a name generated for an empty path or a directory,
 * and the extension made to match the file type.
 */
export function resolveEgressFilepath(template: string, context: FilepathContext): string {
  const extension = EXTENSION_BY_FILE_TYPE[context.fileType];
  let filepath = cleanEgressFilepath(template)
    .replaceAll('{room_name}', context.roomName)
    .replaceAll('{room_id}', context.roomId)
    .replaceAll('{time}', formatEgressTime(context.now))
    .replaceAll('{utc}', formatEgressUtc(context.now));
  if (filepath === '' || filepath.endsWith('/')) {
    filepath = `${filepath}${context.roomName}-${formatEgressTime(context.now)}${extension}`;
  } else if (!filepath.endsWith(extension)) {
    const dot = filepath.lastIndexOf('.');
    if (dot > -1 && KNOWN_EXTENSIONS.has(filepath.slice(dot))) filepath = filepath.slice(0, dot);
    filepath += extension;
  }
  return filepath;
}

/**
 * Where the finished file lands on this machine. The output directory stands for the volume
 * mounted into the egress container at the same path, so only absolute paths inside it are
 * writable; anything else fails like a write to a directory the egress user may not touch.
 */
export function destinationInOutputDir(filepath: string, outputDir: string): string | undefined {
  if (!isAbsolute(filepath)) return undefined;
  const destination = resolve(filepath);
  const inside = relative(resolve(outputDir), destination);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) return undefined;
  return destination;
}
