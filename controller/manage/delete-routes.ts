import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RECORDING_ID_PATTERN, ROOM_KEY_PATTERN } from '../../common/recording-paths.js';
import {
  type Deleter,
  deleteRecording,
  type RecordingDeletionDependencies,
} from './recording-deletion.js';

const paramsSchema = z
  .object({
    roomKey: z.string().regex(ROOM_KEY_PATTERN, 'must be a room key'),
    recordingId: z.string().regex(RECORDING_ID_PATTERN, 'must be a recording id'),
  })
  .strict();

const deletedSchema = z.object({
  recordingId: z.string(),
  roomKey: z.string(),
  deleted: z.literal(true),
  objectDeleted: z.boolean(),
  localFileDeleted: z.boolean(),
});

/**
 * `DELETE /recordings/:roomKey/:recordingId`: the same deletion the SPA's delete command
 * causes, answered synchronously. The API key may delete any finished recording; an ID token,
 * its requester's (or one carrying the `recordingAdmin` claim).
 */
export const deleteRoutes: FastifyPluginAsync<RecordingDeletionDependencies> = async (
  app,
  deps,
) => {
  app.withTypeProvider<ZodTypeProvider>().delete(
    '/recordings/:roomKey/:recordingId',
    {
      onRequest: [app.limitByIp, app.requireAuth(['idToken', 'apiKey'])],
      preHandler: app.limitByIdentity,
      schema: { params: paramsSchema, response: { 200: deletedSchema } },
    },
    async (request) => {
      const principal = request.principal;
      const by: Deleter =
        principal?.kind === 'user'
          ? { kind: 'user', uid: principal.uid, claims: principal.token }
          : { kind: 'service' };
      const report = await deleteRecording(deps, request.params, by, 'request');
      return { ...report, deleted: true as const };
    },
  );
};
