import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/controller-process.js';
import { signUpUser } from '../support/firebase-users.js';
import { RecordingStack, type RunningController } from '../support/recording-stack.js';
import { expectControllerLogClean } from './secret-scan.js';
import { watchUnhandledErrors } from './unhandled-errors.js';

/**
 * Random requests on every route (issue 14): bodies, headers and query strings, sent in process
 * through fastify's `inject()` to the whole controller (every route registered, the database and
 * LiveKit emulators behind it). Whatever arrives, the controller answers JSON, never a 500, and
 * every refusal is an `{error: {code, message}}` with a code from a fixed list and a message
 * that shows no stack trace or internal path.
 */

const RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 10_000);

/** Every code a refusal may carry. A new one is a decision: add it here and in the docs. */
const STABLE_CODES = new Set([
  'unauthenticated',
  'invalid_api_key',
  'invalid_id_token',
  'id_token_expired',
  'forbidden',
  'not_found',
  'invalid_request',
  'invalid_json',
  'unsupported_media_type',
  'payload_too_large',
  'invalid_content_length',
  'identity_required',
  'identity_not_allowed',
  'invalid_webhook',
  'invalid_signature',
  'already_recording',
  'no_active_recording',
  'recording_not_found',
  'stop_already_requested',
  'recording_not_active',
  'not_ready',
  'not_a_member',
  'not_allowed',
  'anonymous_not_allowed',
  'rate_limited',
]);

const LEAKS = [/\n\s+at /, /node_modules/, /\.[cm]?[jt]s:\d+/, /\bat (async )?[\w.]+ \(/];

let stack: RecordingStack;
let controller: RunningController;
let idToken: string;
const unhandled = watchUnhandledErrors();

beforeAll(async () => {
  stack = await RecordingStack.start();
  controller = await stack.startController({
    RATE_LIMIT_PER_IP_PER_MINUTE: '100000',
    RATE_LIMIT_PER_IDENTITY_PER_MINUTE: '100000',
    LOG_LEVEL: 'info',
  });
  idToken = (await signUpUser()).idToken;
  // The database connects after the server listens; until then /health rightly answers 503.
  const deadline = Date.now() + 30_000;
  while ((await controller.controller.app.inject('/health')).statusCode !== 200) {
    if (Date.now() > deadline) throw new Error('the controller never became ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});

afterAll(async () => {
  if (controller !== undefined) {
    expectControllerLogClean(stack, controller, [idToken]);
  }
  await stack?.stop();
});

const ROUTES = [
  ['POST', '/token'],
  ['POST', '/recordings/start'],
  ['POST', '/recordings/stop'],
  ['GET', '/recordings'],
  ['POST', '/webhooks/livekit'],
  ['GET', '/health'],
  ['GET', '/health/live'],
  ['GET', '/openapi.json'],
] as const;

const pushId = fc.stringMatching(/^[A-Za-z0-9_-]{20}$/);
const roomUrl = fc.oneof(
  fc.webUrl(),
  fc.string({ maxLength: 250 }),
  fc.constant(''),
  fc.integer(),
  fc.constant(null),
);

/** Bodies near the valid ones (so validation is what decides), and plain garbage. */
const body = fc.oneof(
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.json({ maxDepth: 3 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 300 }) },
  {
    weight: 4,
    arbitrary: fc
      .record(
        {
          roomUrl: fc.webUrl(),
          identity: fc.oneof(fc.stringMatching(/^[a-z0-9-]{1,20}$/), fc.string({ maxLength: 20 })),
          recordingId: pushId,
          name: fc.string({ maxLength: 20 }),
        },
        { requiredKeys: ['roomUrl'] },
      )
      .map((fields) => JSON.stringify(fields)),
  },
  {
    weight: 5,
    arbitrary: fc
      .record(
        {
          roomUrl,
          recordingId: fc.oneof(pushId, fc.string()),
          identity: fc.oneof(fc.string({ maxLength: 140 }), fc.integer()),
          name: fc.string({ maxLength: 140 }),
          event: fc.constantFrom('egress_started', 'egress_ended', 'room_started', 'x'),
          egressInfo: fc.object({ maxDepth: 2 }),
        },
        { requiredKeys: [] },
      )
      .chain((fields) =>
        fc
          .dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 })
          .map((extra) => JSON.stringify({ ...extra, ...fields })),
      ),
  },
);

const query = fc.oneof(
  fc.constant(''),
  fc
    .dictionary(
      fc.oneof(
        fc.constantFrom('roomUrl', 'limit', 'before', 'wait', 'identity'),
        fc.string({ maxLength: 8 }),
      ),
      fc.oneof(fc.string({ maxLength: 200 }), fc.webUrl(), pushId, fc.integer().map(String)),
      { maxKeys: 4 },
    )
    .map((entries) => `?${new URLSearchParams(entries)}`),
  fc.stringMatching(/^\?[A-Za-z0-9=&%._~-]{0,60}$/),
);

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const headerValue = fc.string({ maxLength: 80 }).map((value) => value.trim());

const credentials = fc.oneof(
  { weight: 3, arbitrary: fc.constant({}) },
  { weight: 4, arbitrary: fc.constant({ kind: 'apiKey' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'idToken' as const }) },
  { weight: 2, arbitrary: headerValue.map((value) => ({ 'x-api-key': value })) },
  { weight: 2, arbitrary: headerValue.map((value) => ({ authorization: `Bearer ${value}` })) },
  { weight: 1, arbitrary: headerValue.map((value) => ({ authorization: value })) },
);

const contentType = fc.option(
  fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    fc.constantFrom(
      'application/json; charset=utf-8',
      'application/webhook+json',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ),
    headerValue,
  ),
  { nil: undefined },
);

const request = fc.record({
  route: fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...ROUTES) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
        fc.oneof(
          fc.constantFrom(...ROUTES.map(([, path]) => path)),
          fc.stringMatching(/^\/[A-Za-z0-9/_.~-]{0,40}$/),
        ),
      ),
    },
  ),
  query,
  body,
  credentials,
  contentType,
  extraHeaders: fc.dictionary(headerName, headerValue, { maxKeys: 3 }),
});

type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

function headersOf(input: FuzzRequest): Record<string, string> {
  const headers: Record<string, string> = { ...input.extraHeaders };
  const { credentials: given } = input;
  if ('kind' in given) {
    if (given.kind === 'apiKey') headers['x-api-key'] = controller.config.control.apiKey;
    else headers.authorization = `Bearer ${idToken}`;
  } else {
    Object.assign(headers, given);
  }
  if (input.contentType !== undefined) headers['content-type'] = input.contentType;
  return headers;
}

describe('random HTTP requests on every route', () => {
  it(`answer JSON with a stable code, never a 500 or a stack trace (${RUNS} cases)`, async () => {
    const codes = new Map<string, number>();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (input) => {
        const [method, path] = input.route as readonly [string, string];
        const response = await controller.controller.app.inject({
          method,
          url: `${path}${input.query}`,
          headers: headersOf(input),
          ...(input.body === undefined ? {} : { payload: input.body }),
        });
        statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        const where = `${method} ${path}${input.query} → ${response.statusCode} ${response.body.slice(0, 300)}`;
        expect(response.statusCode, where).toBeLessThan(500);
        if (response.statusCode === 204) return;
        expect(response.headers['content-type'], where).toMatch(/^application\/json/);
        const answer = response.json() as { error?: { code?: unknown; message?: unknown } };
        if (response.statusCode < 400) return;
        const code = String(answer.error?.code);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        expect(STABLE_CODES.has(code), where).toBe(true);
        const message = answer.error?.message;
        expect(message, where).toEqual(expect.any(String));
        for (const leak of [...LEAKS, PROJECT_ROOT])
          expect(String(message), where).not.toMatch(leak);
      }),
      { numRuns: RUNS },
    );
    process.stdout.write(
      `fuzz-http: ${RUNS} requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}; codes ${JSON.stringify(Object.fromEntries(codes))}\n`,
    );
    // The run exercised refusals of every kind, not one rejection over and over.
    expect(codes.size).toBeGreaterThanOrEqual(10);
    expect(statuses.get(200) ?? 0).toBeGreaterThan(0);
    expect(unhandled()).toEqual([]);
  }, 240_000);
});
