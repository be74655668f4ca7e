import { invalid } from './gcs-error.js';

/** Where a `multipart/related` upload's two parts go: metadata JSON text, then media bytes. */
export interface MultipartRelatedSink {
  metadata(json: string): Promise<void> | void;
  media(chunk: Buffer): Promise<void>;
}

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
const METADATA_LIMIT = 1024 * 1024;

/** The boundary of a `multipart/related; boundary=...` content type, or undefined. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (contentType === undefined || !/^multipart\/related\s*;/i.test(contentType)) return undefined;
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * Streams a GCS multipart upload body (README.md, "Multipart uploads": a JSON part, then the
 * media part) into `sink`, holding back only a delimiter's length of media at a time.
 */
export async function parseMultipartRelated(
  body: AsyncIterable<Buffer>,
  boundary: string,
  sink: MultipartRelatedSink,
): Promise<void> {
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let buffer: Buffer = Buffer.alloc(0);
  let phase = 'preamble' as 'preamble' | 'headers' | 'body' | 'after-delimiter' | 'done';
  let partIndex = -1;
  let metadataText = '';

  const finishPart = async (content: Buffer) => {
    if (partIndex === 0) {
      metadataText += content.toString('utf8');
      if (metadataText.length > METADATA_LIMIT) throw invalid('Metadata part is too large.');
    } else if (partIndex === 1) {
      if (content.length > 0) await sink.media(content);
    } else if (content.length > 0) {
      throw invalid('A multipart upload has exactly two parts: metadata and media.');
    }
  };

  const step = async (final: boolean): Promise<boolean> => {
    if (phase === 'preamble') {
      const at = buffer.indexOf(opening);
      if (at === -1) return false;
      buffer = buffer.subarray(at + opening.length);
      phase = 'after-delimiter';
      return true;
    }
    if (phase === 'after-delimiter') {
      if (buffer.length < 2) return false;
      if (buffer.subarray(0, 2).toString() === '--') {
        phase = 'done';
        return false;
      }
      if (!buffer.subarray(0, 2).equals(CRLF)) throw invalid('Malformed multipart body.');
      buffer = buffer.subarray(2);
      partIndex += 1;
      phase = 'headers';
      return true;
    }
    if (phase === 'headers') {
      const end = buffer.indexOf(HEADER_END);
      if (end === -1) {
        if (buffer.length > 16 * 1024) throw invalid('Malformed multipart part headers.');
        return false;
      }
      buffer = buffer.subarray(end + HEADER_END.length);
      phase = 'body';
      return true;
    }
    if (phase === 'body') {
      const end = buffer.indexOf(delimiter);
      if (end !== -1) {
        await finishPart(buffer.subarray(0, end));
        if (partIndex === 0) await sink.metadata(metadataText);
        buffer = buffer.subarray(end + delimiter.length);
        phase = 'after-delimiter';
        return true;
      }
      // Everything but a possible delimiter prefix at the tail is content.
      const keep = final ? 0 : delimiter.length - 1;
      if (buffer.length > keep) {
        await finishPart(buffer.subarray(0, buffer.length - keep));
        buffer = Buffer.from(buffer.subarray(buffer.length - keep));
      }
      return false;
    }
    return false;
  };

  for await (const chunk of body) {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    while (await step(false)) {
      // advance through every complete piece of the buffer
    }
  }
  while (await step(true)) {
    // the body has ended; finish what the buffer holds
  }
  if (phase !== 'done' || partIndex < 1) throw invalid('Malformed multipart body.');
}
