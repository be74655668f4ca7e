/** GCS JSON API error reasons the Node client and the Firebase SDKs map to error codes. */
export type GcsErrorReason =
  | 'invalid'
  | 'required'
  | 'notFound'
  | 'forbidden'
  | 'conditionNotMet'
  | 'rangeNotSatisfiable'
  | 'notImplemented'
  | 'rateLimitExceeded'
  | 'backendError'
  | 'uploadCancelled';

/** A failure answered with GCS's error envelope: `{"error":{"code","message","errors":[...]}}`. */
export class GcsError extends Error {
  constructor(
    readonly status: number,
    readonly reason: GcsErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'GcsError';
  }

  get body(): string {
    return JSON.stringify({
      error: {
        code: this.status,
        message: this.message,
        errors: [{ domain: 'global', reason: this.reason, message: this.message }],
      },
    });
  }
}

/** The reason GCS gives with a status when nothing more specific applies (fault switches use it). */
export function reasonForStatus(status: number): GcsErrorReason {
  if (status === 404) return 'notFound';
  if (status === 403) return 'forbidden';
  if (status === 412) return 'conditionNotMet';
  if (status === 429) return 'rateLimitExceeded';
  if (status >= 500) return 'backendError';
  return 'invalid';
}

export const invalid = (message: string) => new GcsError(400, 'invalid', message);
export const required = (message: string) => new GcsError(400, 'required', message);
export const noSuchObject = (bucket: string, name: string) =>
  new GcsError(404, 'notFound', `No such object: ${bucket}/${name}`);
export const conditionNotMet = () =>
  new GcsError(
    412,
    'conditionNotMet',
    'At least one of the pre-conditions you specified did not hold.',
  );
