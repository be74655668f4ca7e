import { rm } from 'node:fs/promises';
import { GcsError, invalid, reasonForStatus, required } from '../gcs-error.js';
import { HashingFileWriter } from '../hashing-file-writer.js';
import { drainBody, sendError } from '../http-io.js';
import { multipartBoundary, parseMultipartRelated } from '../multipart-related.js';
import { ObjectCreateFields, parseJsonBody } from '../object-metadata.js';
import { assertValidBucketName, assertValidObjectName } from '../object-name.js';
import { assertPreconditions, preconditionsFrom } from '../preconditions.js';
import {
  answerCommitted,
  type RoutedRequest,
  type RouteOf,
  type StorageContext,
} from '../storage-context.js';
import { ConnectionResetByFault, FailureByFault, uploadBody } from '../upload-body.js';

type SimpleUpload = RoutedRequest<RouteOf<'upload-multipart' | 'upload-media'>>;

/**
 * `uploadType=multipart` (metadata part + media part) and `uploadType=media` (raw body, name in
 * the query): one request, one object, bytes streamed to disk as they arrive.
 */
export async function simpleUpload(ctx: StorageContext, request: SimpleUpload) {
  const { req, res, route, query } = request;
  assertValidBucketName(route.bucket);
  const boundary = multipartBoundary(req.headers['content-type']);
  if (route.kind === 'upload-multipart' && boundary === undefined) {
    await drainBody(req);
    throw invalid('A multipart upload needs Content-Type: multipart/related; boundary=...');
  }
  const preconditions = preconditionsFrom(query);
  const writer = await HashingFileWriter.create(ctx.store.newUploadPath());
  try {
    const body = uploadBody(req, {
      resetAfterBytes: ctx.faults.takeReset(route.kind),
      stall: ctx.faults.takeStall(route.kind),
      failure: request.failure,
    });
    let fields: ObjectCreateFields = {};
    if (boundary === undefined) {
      const contentType = req.headers['content-type'];
      fields = contentType === undefined ? {} : { contentType };
      for await (const chunk of body) await writer.append(chunk);
    } else {
      await parseMultipartRelated(body, boundary, {
        metadata: (json) => {
          fields = parseJsonBody(json, ObjectCreateFields);
        },
        media: (chunk) => writer.append(chunk),
      });
    }
    await writer.close();
    const name = query.get('name') ?? fields.name;
    if (name === undefined) throw required('Required: an object name.');
    assertValidObjectName(name);
    assertPreconditions(ctx.store.get(route.bucket, name), preconditions);
    const object = await ctx.store.commit({
      bucket: route.bucket,
      name,
      fields,
      checksums: writer.checksums(),
      sourcePath: writer.path,
      preconditions,
    });
    answerCommitted(ctx, request, object);
  } catch (error) {
    await writer.close().catch(() => undefined);
    await rm(writer.path, { force: true });
    if (error instanceof FailureByFault) {
      sendError(
        res,
        new GcsError(error.status, reasonForStatus(error.status), 'Injected failure.'),
      );
      return;
    }
    if (error instanceof GcsError) {
      await drainBody(req).catch(() => undefined);
      throw error;
    }
    // A reset by a fault switch, or the client went away: nobody to answer.
    if (error instanceof ConnectionResetByFault || !req.complete) return;
    throw error;
  }
}
