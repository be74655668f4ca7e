/** An inclusive byte range of an object, as a `Range: bytes=...` request selects it. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * Resolves a single-range `Range` header against an object of `size` bytes: undefined when
 * the header is absent or not a single byte range (serve everything, as GCS does), `'unsatisfiable'`
 * when it selects nothing (416).
 */
export function resolveByteRange(
  header: string | undefined,
  size: number,
): ByteRange | 'unsatisfiable' | undefined {
  if (header === undefined || size === 0) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, firstText = '', lastText = ''] = match;
  if (firstText === '' && lastText === '') return undefined;
  if (firstText === '') {
    const suffix = Number(lastText);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(firstText);
  if (start >= size) return 'unsatisfiable';
  const end = lastText === '' ? size - 1 : Math.min(Number(lastText), size - 1);
  if (end < start) return undefined;
  return { start, end };
}
