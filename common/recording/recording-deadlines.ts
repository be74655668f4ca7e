/**
 * A start no controller has taken up within this long (from its `requestedAt`, server time) is
 * over: the controller fails it `request_expired` instead of starting a recording the room no
 * longer expects, and the web app no longer lets it hold the Record button.
 */
export const START_REQUEST_TIMEOUT_MS = 60_000;
