import { ServerError } from 'livekit-server-sdk';
import { expect } from 'vitest';

/** The `ServerError` the server SDK rejects `promise` with; fails the test on anything else. */
export async function serverErrorOf(promise: Promise<unknown>): Promise<ServerError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ServerError);
  return error as ServerError;
}
