/**
 * The controller's one error type. `code` is stable and machine-readable (clients and tests
 * match on it); `message` is for people; `statusCode` is what an HTTP route answers.
 */
export class AppError extends Error {
  readonly code: string;
  readonly statusCode: number;
  /** Machine-readable context a client can act on (e.g. the recording that holds a room). */
  readonly details: unknown;

  constructor(
    code: string,
    statusCode: number,
    message: string,
    options?: { cause?: unknown; details?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
    this.code = code;
    this.statusCode = statusCode;
    this.details = options?.details;
  }
}

/** The catalogue of errors the HTTP layer raises itself; features add theirs beside them. */
export const httpErrors = {
  notFound: (method: string, url: string) =>
    new AppError('not_found', 404, `No route for ${method} ${url.split('?')[0]}`),
  unauthenticated: () =>
    new AppError(
      'unauthenticated',
      401,
      'Send "Authorization: Bearer <Firebase ID token>" or "x-api-key: <key>"',
    ),
  invalidApiKey: () => new AppError('invalid_api_key', 401, 'The x-api-key header is not valid'),
  invalidIdToken: (cause: unknown) =>
    new AppError('invalid_id_token', 401, 'The Firebase ID token is not valid', { cause }),
  idTokenExpired: (cause: unknown) =>
    new AppError('id_token_expired', 401, 'The Firebase ID token has expired; refresh it', {
      cause,
    }),
  idTokenRevoked: (cause: unknown) =>
    new AppError('id_token_revoked', 401, 'The Firebase ID token has been revoked; sign in again', {
      cause,
    }),
  userDisabled: (cause: unknown) =>
    new AppError('user_disabled', 401, 'This user account has been disabled', { cause }),
  credentialNotAccepted: (accepted: string) =>
    new AppError('forbidden', 403, `This route accepts only ${accepted}`),
  authUnavailable: (cause: unknown) =>
    new AppError('auth_unavailable', 503, 'Firebase Auth could not be reached; try again', {
      cause,
    }),
} as const;
