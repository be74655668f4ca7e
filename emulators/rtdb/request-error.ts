/** An error the server answers with a status string, as the real server does for bad requests. */
export class RequestError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
