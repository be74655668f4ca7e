/**
 * What a failed upload attempt means for the next one (emulators/storage/README.md, "Retries and
 * preconditions"; docs/architecture.md, "Files and upload"). Pure: it reads the error the client
 * threw, nothing else.
 * - `retry`: transient (5xx, 429, 408, resets, stalls, a client that lost its place): resume
 *   the saved session.
 * - `new_session`: the session is gone (404/410) or the client deleted a mismatched object.
 * - `check_object`: 412 under `ifGenerationMatch=0`: the object may be ours already, stored
 *   whole by an attempt whose answer was lost.
 * - `fatal`: anything else (bad request, permissions, a missing local file).
 */
export type UploadFailureKind = 'retry' | 'new_session' | 'check_object' | 'fatal';

const RETRYABLE_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
  'upload_stalled',
]);

export function classifyUploadFailure(error: unknown): UploadFailureKind {
  const status = httpStatusOf(error);
  if (status === 412) return 'check_object';
  if (status === 404 || status === 410) return 'new_session';
  if (status !== undefined && RETRYABLE_STATUS.has(status)) return 'retry';
  const code = codeOf(error);
  // The client deleted an object whose CRC32C did not match what it sent: start over.
  if (code === 'FILE_NO_UPLOAD') return 'new_session';
  if (code === 'ENOENT') return 'fatal';
  if (code !== undefined && RETRYABLE_CODES.has(code)) return 'retry';
  const message = error instanceof Error ? error.message : String(error);
  // Single-request mode cannot replay what it already sent; a new stream on the session can.
  if (error instanceof RangeError && /offset is lower/i.test(message)) return 'retry';
  if (/socket hang up|connection closure|network|timeout|Retry limit exceeded/i.test(message)) {
    return 'retry';
  }
  return 'fatal';
}

function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const withResponse = error as { response?: { status?: unknown }; code?: unknown };
  if (typeof withResponse.response?.status === 'number') return withResponse.response.status;
  if (typeof withResponse.code === 'number') return withResponse.code;
  const message = (error as { message?: unknown }).message;
  const match = typeof message === 'string' ? /status: (\d{3})/.exec(message) : null;
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
