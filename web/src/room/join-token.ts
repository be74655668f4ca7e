/** The answer of `POST /token` (docs/architecture.md, "HTTP API"). */
export interface JoinToken {
  readonly token: string;
  readonly url: string;
  readonly room: string;
  readonly identity: string;
  readonly expiresAt: number;
}

/** A failure of the controller's API, with its stable `code`. */
export class ControlApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlApiError';
  }
}

/** Asks the controller for a LiveKit token for `roomUrl`, as the signed-in user (ID token). */
export async function fetchJoinToken(
  tokenEndpoint: string,
  idToken: string,
  roomUrl: string,
  name: string | undefined,
): Promise<JoinToken> {
  let response: Response;
  try {
    response = await fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${idToken}` },
      body: JSON.stringify(name === undefined ? { roomUrl } : { roomUrl, name }),
    });
  } catch (error) {
    throw new ControlApiError(
      'controller_unreachable',
      `Could not reach the controller at ${tokenEndpoint} (${(error as Error).message})`,
    );
  }
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | JoinToken
    | undefined;
  if (!response.ok || body === undefined || !('token' in body)) {
    const error = body !== undefined && 'error' in body ? body.error : undefined;
    throw new ControlApiError(
      error?.code ?? 'bad_response',
      error?.message ?? `The controller answered ${response.status}`,
    );
  }
  return body;
}
