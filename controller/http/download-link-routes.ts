import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DownloadUrlMode } from '../config/load-config.js';
import { AppError } from '../errors.js';
import type { RecordingStore } from '../records/recording-store.js';
import { type DownloadLink, signedDownloadLink, tokenDownloadUrl } from '../upload/download-url.js';
import type { BucketOnDemand } from '../upload/storage-types.js';
import { recordingParamsSchema } from './recording-params.js';
import type { RoomMembership } from './room-membership.js';

export interface DownloadLinkRoutesOptions {
  readonly store: RecordingStore;
  readonly bucket: BucketOnDemand;
  readonly mode: DownloadUrlMode;
  /** Only the room's members (or the API key) may ask, as only they may read its records. */
  readonly membership: Pick<RoomMembership, 'requireMember'>;
}

const linkSchema = z.object({
  downloadUrl: z.string(),
  /** When the link stops working (ms since epoch); null for a token link, which does not expire. */
  expiresAt: z.number().nullable(),
});

/**
 * `POST /recordings/:roomKey/:recordingId/download-url`: a working link to an uploaded recording,
 * also written into the record, so a UI holding an expired signed URL (docs/architecture.md,
 * "Download links") gets a fresh one. Whoever may read the room's records may ask: the database
 * rules let the room's members read `recordings/<roomKey>`, so a member's ID token (or the API key)
 * is needed here too.
 */
export const downloadLinkRoutes: FastifyPluginAsync<DownloadLinkRoutesOptions> = async (
  app,
  options,
) => {
  const { store, bucket, mode } = options;

  /** The object's own download token: a link built from it works until the token is changed. */
  async function tokenLink(objectName: string): Promise<DownloadLink> {
    const [metadata] = await bucket().file(objectName).getMetadata();
    const token = String(metadata.metadata?.firebaseStorageDownloadTokens ?? '').split(',')[0];
    if (token === undefined || token === '') {
      throw new AppError('no_download_token', 409, 'The stored recording has no download token');
    }
    return { url: tokenDownloadUrl(bucket().name, objectName, token), expiresAt: undefined };
  }

  async function objectExists(objectName: string): Promise<boolean> {
    const [exists] = await bucket().file(objectName).exists();
    return exists;
  }

  app.withTypeProvider<ZodTypeProvider>().post(
    '/recordings/:roomKey/:recordingId/download-url',
    {
      onRequest: [app.limitByIp, app.requireAuth(['idToken', 'apiKey'])],
      preHandler: app.limitByIdentity,
      schema: { params: recordingParamsSchema, response: { 200: linkSchema } },
    },
    async (request) => {
      const ref = request.params;
      await options.membership.requireMember(request.principal, ref.roomKey);
      // Asked the moment a client saw `uploaded`: the server's value, not this process's cache.
      const record = await store.readFresh(ref);
      if (record === undefined) {
        throw new AppError('recording_not_found', 404, 'There is no such recording in this room');
      }
      if (record.status !== 'uploaded' || record.storagePath === undefined) {
        throw new AppError(
          'not_uploaded',
          409,
          `The recording is ${record.status}; a link exists once it is uploaded`,
        );
      }
      const objectName = record.storagePath;
      // Signing is local and would happily sign a link to an object that is gone.
      if (mode === 'signed' && !(await objectExists(objectName))) {
        throw new AppError('object_not_found', 404, 'The recording file is no longer stored');
      }
      const link =
        mode === 'signed'
          ? await signedDownloadLink(bucket().file(objectName))
          : await tokenLink(objectName).catch((error: unknown) => {
              if ((error as { code?: unknown }).code !== 404) throw error;
              throw new AppError('object_not_found', 404, 'The recording file is no longer stored');
            });
      if (link.url !== record.downloadUrl || link.expiresAt !== record.downloadUrlExpiresAt) {
        await store.replaceDownloadLink(ref, link);
      }
      request.log.info({ ...ref, mode, expiresAt: link.expiresAt }, 'download link refreshed');
      return { downloadUrl: link.url, expiresAt: link.expiresAt ?? null };
    },
  );
};
