import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from 'firebase-admin/database';
import { ServerValue } from 'firebase-admin/database';
import { z } from 'zod';
import {
  startRecordingUpdate,
  stopRecordingUpdate,
} from '../../common/recording/recording-commands.js';
import {
  activeRecordingPath,
  RECORDING_ID_PATTERN,
  recordingPath,
  roomRecordingsPath,
} from '../../common/recording/recording-paths.js';
import { recordingRecordSchema } from '../../common/recording/recording-record.js';
import {
  isFinalStatus,
  RECORDING_STATUSES,
  STOPPABLE,
} from '../../common/recording/recording-status.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import {
  checkRecordingOptions,
  type OptionDefaults,
  recordingOptionsSchema,
} from '../commands/recording-options.js';
import { AppError } from '../errors.js';
import { readOnce } from '../firebase/read-once.js';
import type { RecordingStore } from '../records/recording-store.js';
import type { Principal } from './authentication.js';
import type { RoomMembership } from './room-membership.js';
import { roomUrlSchema } from './token-routes.js';

export interface RecordingRoutesOptions {
  readonly db: Database;
  /** The one owner of recording state, asked for a record as the server has it. */
  readonly store: RecordingStore;
  /** How long `?wait=started` may hold a request. */
  readonly waitTimeoutMs: number;
  /** Default layout and preset, and the presets a request may choose. */
  readonly options: OptionDefaults;
  /** A signed-in user sees and changes only the rooms they hold a token for. */
  readonly membership: Pick<RoomMembership, 'requireMember'>;
}

// The uid a command is written for names a database key (the user's command mark).
const NOT_IN_A_KEY = /[.$#[\]/]|\p{Cc}/u;
const identitySchema = z
  .string()
  .min(1)
  .max(128)
  .refine((identity) => !NOT_IN_A_KEY.test(identity), {
    message: 'identity must be a database key: no . $ # [ ] / or control characters',
  })
  .optional();

const startBodySchema = recordingOptionsSchema
  .extend({ roomUrl: roomUrlSchema, identity: identitySchema })
  .strict();
const stopBodySchema = z
  .object({
    roomUrl: roomUrlSchema,
    recordingId: z.string().regex(RECORDING_ID_PATTERN, 'must be a recording id').optional(),
    identity: identitySchema,
  })
  .strict();
const waitQuerySchema = z.object({ wait: z.literal('started').optional() }).strict();
const listQuerySchema = z
  .object({
    roomUrl: roomUrlSchema,
    limit: z.coerce.number().int().min(1).max(100).default(20),
    before: z.string().regex(RECORDING_ID_PATTERN, 'must be a recording id').optional(),
  })
  .strict();

const acceptedSchema = z.object({
  recordingId: z.string(),
  roomKey: z.string(),
  status: z.enum(RECORDING_STATUSES),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
});

const listedSchema = z.object({
  recordings: z.array(recordingRecordSchema.extend({ recordingId: z.string() })),
  nextBefore: z.string().optional(),
});

/** The uid a command is written for: the signed-in user, or the identity a trusted server names. */
function requesterOf(principal: Principal | undefined, identity: string | undefined): string {
  if (principal?.kind === 'user') {
    if (identity !== undefined) {
      throw new AppError(
        'identity_not_allowed',
        400,
        'A signed-in user acts as their own uid; omit identity',
      );
    }
    return principal.uid;
  }
  if (identity === undefined) {
    throw new AppError(
      'identity_required',
      400,
      'With the API key, the body must name the identity',
    );
  }
  return identity;
}

/**
 * `POST /recordings/start|stop` write exactly the multi-location update the SPA writes, so HTTP
 * callers take the same path through the rules' shape, the inbox and the record's life.
 * `GET /recordings` lists a room's records, newest first.
 */
export const recordingRoutes: FastifyPluginAsync<RecordingRoutesOptions> = async (app, options) => {
  const { db, store } = options;
  const typed = app.withTypeProvider<ZodTypeProvider>();
  const auth = [app.limitByIp, app.requireAuth(['idToken', 'apiKey'])];

  const readRecord = (roomKey: string, recordingId: string) =>
    store.readFresh({ roomKey, recordingId });

  async function activeRecordingId(roomKey: string): Promise<string | undefined> {
    const lock = (await readOnce(db.ref(activeRecordingPath(roomKey)))).val() as {
      recordingId?: unknown;
    } | null;
    return typeof lock?.recordingId === 'string' ? lock.recordingId : undefined;
  }

  /**
   * Resolves once the controller has decided the start: the record moved past `starting`, or it
   * is `starting` and holds the room (its checks passed), or the wait ran out. `starting` alone
   * is only the controller's acknowledgement, written before it checks the requester.
   */
  function waitUntilStarted(roomKey: string, recordingId: string) {
    const statusRef = db.ref(`${recordingPath(roomKey, recordingId)}/status`);
    const lockRef = db.ref(`${activeRecordingPath(roomKey)}/recordingId`);
    let status: unknown = 'requested';
    let holder: unknown = null;
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.waitTimeoutMs);
      function done() {
        clearTimeout(timer);
        statusRef.off('value', onStatus);
        lockRef.off('value', onHolder);
        resolve();
      }
      function decided() {
        if (status !== 'requested' && (status !== 'starting' || holder === recordingId)) done();
      }
      function onStatus(snapshot: { val(): unknown }) {
        status = snapshot.val();
        decided();
      }
      function onHolder(snapshot: { val(): unknown }) {
        holder = snapshot.val();
        decided();
      }
      lockRef.on('value', onHolder);
      statusRef.on('value', onStatus);
    });
  }

  typed.post(
    '/recordings/start',
    {
      onRequest: auth,
      preHandler: app.limitByIdentity,
      schema: {
        body: startBodySchema,
        querystring: waitQuerySchema,
        response: { 202: acceptedSchema },
      },
    },
    async (request, reply) => {
      const { roomUrl, identity, ...chosen } = request.body;
      const uid = requesterOf(request.principal, identity);
      const checked = checkRecordingOptions(chosen, options.options);
      if (!checked.ok) throw new AppError(checked.code, 400, checked.message);
      const roomKey = roomKeyFromUrl(roomUrl);
      await options.membership.requireMember(request.principal, roomKey);
      const active = await activeRecordingId(roomKey);
      if (active !== undefined) {
        const record = await readRecord(roomKey, active);
        if (record !== undefined && !isFinalStatus(record.status)) {
          throw new AppError(
            'already_recording',
            409,
            `This room is already being recorded (recording ${active}, ${record.status})`,
            { details: { activeRecording: { recordingId: active, status: record.status } } },
          );
        }
      }
      const recordingId = db.ref(roomRecordingsPath(roomKey)).push().key ?? '';
      await db.ref().update(
        startRecordingUpdate({
          roomUrl,
          recordingId,
          uid,
          serverTime: ServerValue.TIMESTAMP,
          options: chosen,
        }),
      );
      request.log.info({ roomKey, recordingId, uid }, 'start requested over HTTP');
      if (request.query.wait === 'started') await waitUntilStarted(roomKey, recordingId);
      const record = await readRecord(roomKey, recordingId);
      return reply.code(202).send({
        recordingId,
        roomKey,
        status: record?.status ?? 'requested',
        error: record?.error,
      });
    },
  );

  typed.post(
    '/recordings/stop',
    {
      onRequest: auth,
      preHandler: app.limitByIdentity,
      schema: { body: stopBodySchema, response: { 202: acceptedSchema } },
    },
    async (request, reply) => {
      const uid = requesterOf(request.principal, request.body.identity);
      const roomKey = roomKeyFromUrl(request.body.roomUrl);
      await options.membership.requireMember(request.principal, roomKey);
      const recordingId = request.body.recordingId ?? (await activeRecordingId(roomKey));
      if (recordingId === undefined) {
        throw new AppError('no_active_recording', 404, 'This room is not being recorded');
      }
      const record = await readRecord(roomKey, recordingId);
      if (record === undefined)
        throw new AppError('recording_not_found', 404, 'There is no such recording in this room');
      if (record.stopRequestedBy !== undefined) {
        throw new AppError(
          'stop_already_requested',
          409,
          `A stop was already requested (status ${record.status})`,
        );
      }
      if (!STOPPABLE.has(record.status)) {
        throw new AppError(
          'recording_not_active',
          409,
          `The recording is already ${record.status}`,
        );
      }
      await db.ref().update(
        stopRecordingUpdate({
          roomUrl: request.body.roomUrl,
          recordingId,
          uid,
          serverTime: ServerValue.TIMESTAMP,
        }),
      );
      request.log.info({ roomKey, recordingId, uid }, 'stop requested over HTTP');
      return reply.code(202).send({ recordingId, roomKey, status: record.status });
    },
  );

  typed.get(
    '/recordings',
    {
      onRequest: auth,
      preHandler: app.limitByIdentity,
      schema: { querystring: listQuerySchema, response: { 200: listedSchema } },
    },
    async (request) => {
      const { roomUrl, limit, before } = request.query;
      const roomKey = roomKeyFromUrl(roomUrl);
      await options.membership.requireMember(request.principal, roomKey);
      // Push ids sort by creation time: the last keys are the newest.
      let query = db.ref(roomRecordingsPath(roomKey)).orderByKey();
      if (before !== undefined) query = query.endBefore(before);
      const snapshot = await query.limitToLast(limit + 1).get();
      const recordings: z.infer<typeof listedSchema>['recordings'] = [];
      snapshot.forEach((child) => {
        const parsed = recordingRecordSchema.safeParse(child.val());
        if (parsed.success && child.key !== null)
          recordings.push({ ...parsed.data, recordingId: child.key });
      });
      recordings.reverse();
      const hasMore = recordings.length > limit;
      const page = recordings.slice(0, limit);
      return { recordings: page, nextBefore: hasMore ? page.at(-1)?.recordingId : undefined };
    },
  );
};
