/** HTTP status of each Twirp error code, as twitchtv/twirp's `ServerHTTPStatusFromErrorCode`. */
export const TWIRP_HTTP_STATUS = {
  canceled: 408,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  data_loss: 500,
} as const;

export type TwirpCode = keyof typeof TWIRP_HTTP_STATUS;

/** An error the Twirp layer answers as `{"code","msg","meta"?}` with the code's HTTP status. */
export class TwirpError extends Error {
  readonly code: TwirpCode;
  readonly meta: Readonly<Record<string, string>> | undefined;

  constructor(code: TwirpCode, message: string, meta?: Record<string, string>) {
    super(message);
    this.name = 'TwirpError';
    this.code = code;
    this.meta = meta;
  }

  get httpStatus(): number {
    return TWIRP_HTTP_STATUS[this.code];
  }

  /** The JSON body: `meta` only when it has entries, as twirp's `writeError`. */
  toBody(): string {
    const hasMeta = this.meta !== undefined && Object.keys(this.meta).length > 0;
    return JSON.stringify({
      code: this.code,
      msg: this.message,
      ...(hasMeta ? { meta: this.meta } : {}),
    });
  }
}

/**
 * livekit-server's service errors pass through its twirp error wrapper, which prefixes the
 * message of every error it does not map itself (`utils/xtwirp`, livekit#3657).
 */
const WRAPPED = 'twirp error unknown: ';

/** The messages livekit-server answers with; tests and clients match on the code, people read these. */
export const livekitErrors = {
  permissionDenied: () => new TwirpError('unauthenticated', 'permissions denied'),
  roomNotFound: () => new TwirpError('not_found', `${WRAPPED}requested room does not exist`),
  participantNotFound: () => new TwirpError('not_found', `${WRAPPED}participant does not exist`),
  egressNotFound: () => new TwirpError('not_found', `${WRAPPED}egress does not exist`),
  noEgressWorker: () => new TwirpError('unavailable', `${WRAPPED}no response from servers`),
  requestTimedOut: () => new TwirpError('deadline_exceeded', `${WRAPPED}request timed out`),
  malformedJson: () => new TwirpError('malformed', 'the json request could not be decoded'),
  malformedProtobuf: () => new TwirpError('malformed', 'the protobuf request could not be decoded'),
  bodyUnreadable: () => new TwirpError('malformed', 'failed to read request body'),
  invalidField: (field: string) =>
    new TwirpError('invalid_argument', `request has missing or invalid field: ${field}`),
} as const;
