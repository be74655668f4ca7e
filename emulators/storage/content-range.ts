// What a resumable-upload PUT's `Content-Range` asks for. The Node client sends
// `bytes */*` (status query), `bytes A-B/*` (a non-final chunk), `bytes A-B/T` (the last
// chunk), and `bytes A-*/*` or `bytes A-*/T` (the rest of the object in one streaming body).
export type UploadContentRange =
  | { readonly kind: 'status'; readonly total: number | undefined }
  | {
      readonly kind: 'bytes';
      readonly first: number;
      /** Inclusive; undefined for `A-*` (the body runs to the end of the object). */
      readonly last: number | undefined;
      readonly total: number | undefined;
    };

const STATUS = /^bytes \*\/(\*|\d+)$/;
const BYTES = /^bytes (\d+)-(\d+|\*)\/(\*|\d+)$/;

const toTotal = (text: string) => (text === '*' ? undefined : Number(text));

/** Parses the header; undefined when it is malformed or self-contradictory. */
export function parseUploadContentRange(header: string): UploadContentRange | undefined {
  const status = STATUS.exec(header.trim());
  if (status?.[1] !== undefined) return { kind: 'status', total: toTotal(status[1]) };
  const bytes = BYTES.exec(header.trim());
  if (bytes?.[1] === undefined || bytes[2] === undefined || bytes[3] === undefined) {
    return undefined;
  }
  const first = Number(bytes[1]);
  const last = bytes[2] === '*' ? undefined : Number(bytes[2]);
  const total = toTotal(bytes[3]);
  if (!Number.isSafeInteger(first) || (last !== undefined && !Number.isSafeInteger(last))) {
    return undefined;
  }
  if (last !== undefined && last < first) return undefined;
  if (total !== undefined && (!Number.isSafeInteger(total) || (last ?? first) >= total)) {
    return undefined;
  }
  return { kind: 'bytes', first, last, total };
}
