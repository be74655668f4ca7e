import { rm } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { parseUploadContentRange, type UploadContentRange } from '../content-range.js';
import { GcsError, invalid, reasonForStatus, required } from '../gcs-error.js';
import { drainBody, readSmallBody, sendEmpty, sendError, sendJson } from '../http-io.js';
import { ObjectCreateFields, parseJsonBody } from '../object-metadata.js';
import { assertValidBucketName, assertValidObjectName } from '../object-name.js';
import { gcsObjectResource } from '../object-resource.js';
import { assertPreconditions, preconditionsFrom } from '../preconditions.js';
import {
  answerCommitted,
  type RoutedRequest,
  type RouteOf,
  type StorageContext,
} from '../storage-context.js';
import { ConnectionResetByFault, FailureByFault, uploadBody } from '../upload-body.js';
import type { UploadSession } from '../upload-sessions.js';

function headerNumber(req: IncomingMessage, name: string): number | undefined {
  const value = req.headers[name];
  if (value === undefined || Array.isArray(value)) return undefined;
  if (!/^\d+$/.test(value)) throw invalid(`Invalid ${name} header: ${value}`);
  return Number(value);
}

/** `POST /upload/storage/v1/b/{b}/o?uploadType=resumable`: opens a session, answers its URI. */
export async function startResumableUpload(
  ctx: StorageContext,
  { req, res, route, query, origin }: RoutedRequest<RouteOf<'upload-start'>>,
) {
  const fields = parseJsonBody(await readSmallBody(req), ObjectCreateFields);
  const name = query.get('name') ?? fields.name;
  if (name === undefined) throw required('Required: an object name (query `name` or body `name`).');
  assertValidBucketName(route.bucket);
  assertValidObjectName(name);
  const uploadContentType = req.headers['x-upload-content-type'];
  const contentType =
    fields.contentType ?? (typeof uploadContentType === 'string' ? uploadContentType : undefined);
  const preconditions = preconditionsFrom(query);
  // GCS checks preconditions when the object is committed; failing early saves a wasted upload.
  assertPreconditions(ctx.store.get(route.bucket, name), preconditions);
  const session = await ctx.sessions.create({
    bucket: route.bucket,
    name,
    fields: { ...fields, name, ...(contentType === undefined ? {} : { contentType }) },
    preconditions,
    declaredSize: headerNumber(req, 'x-upload-content-length'),
    path: ctx.store.newUploadPath(),
  });
  const location =
    `${origin}/upload/storage/v1/b/${encodeURIComponent(route.bucket)}/o` +
    `?uploadType=resumable&name=${encodeURIComponent(name)}&upload_id=${session.id}`;
  sendEmpty(res, 200, { location, 'x-guploader-uploadid': session.id });
}

const noSuchUpload = () => new GcsError(404, 'notFound', 'No such upload session.');

/** 308 "Resume Incomplete" with what is persisted, in the form the Node client parses. */
function answerIncomplete(request: RoutedRequest, session: UploadSession) {
  const headers = session.persisted > 0 ? { range: `bytes=0-${session.persisted - 1}` } : {};
  sendEmpty(request.res, 308, headers);
}

/** `PUT {session URI}`: a status query, a chunk, or the rest of the object in one body. */
export async function putUploadBytes(
  ctx: StorageContext,
  request: RoutedRequest<RouteOf<'upload-put'>>,
) {
  const session = ctx.sessions.get(request.route.uploadId);
  if (session === undefined) {
    await drainBody(request.req);
    throw noSuchUpload();
  }
  // A new request on a session supersedes one still sending (a client that gave up on a stalled
  // connection and resumes): drop the old connection, then answer from what it persisted.
  session.receiving?.socket.destroy();
  await session.exclusive(() => continueUpload(ctx, request, session));
}

function contentRangeOf(req: IncomingMessage): UploadContentRange {
  const header = req.headers['content-range'];
  if (header === undefined) {
    // No Content-Range: the body is the whole object.
    return { kind: 'bytes', first: 0, last: undefined, total: headerNumber(req, 'content-length') };
  }
  const range = parseUploadContentRange(header);
  if (range === undefined) throw invalid(`Invalid Content-Range header: ${header}`);
  return range;
}

async function continueUpload(
  ctx: StorageContext,
  request: RoutedRequest<RouteOf<'upload-put'>>,
  session: UploadSession,
) {
  const { req, res } = request;
  if (ctx.sessions.get(session.id) === undefined) {
    await drainBody(req);
    throw noSuchUpload();
  }
  if (session.state.kind === 'finalized') {
    await drainBody(req);
    sendJson(res, 200, gcsObjectResource(session.state.object, request.origin));
    return;
  }
  if (session.state.kind === 'failed') {
    await drainBody(req);
    throw session.state.error;
  }
  let range: UploadContentRange;
  try {
    range = contentRangeOf(req);
    checkAgainstSession(range, session, headerNumber(req, 'content-length'));
  } catch (error) {
    await drainBody(req);
    throw error;
  }
  if (range.kind === 'status') {
    await drainBody(req);
    if (range.total !== undefined && range.total === session.persisted) {
      await finalize(ctx, request, session);
    } else {
      answerIncomplete(request, session);
    }
    return;
  }

  const room = Math.min(
    range.last === undefined ? Number.POSITIVE_INFINITY : range.last - range.first + 1,
    (range.total ?? session.declaredSize ?? Number.POSITIVE_INFINITY) - range.first,
  );
  // Bytes GCS already has (a client re-sending after a lost answer) are skipped; bytes past
  // what the Content-Range allows are refused.
  const end = range.first + room;
  let skip = session.persisted - range.first;
  let tooLong = false;
  const faults = {
    resetAfterBytes: ctx.faults.takeReset(request.route.kind),
    stall: ctx.faults.takeStall(request.route.kind),
    failure: request.failure,
  };
  session.receiving = req;
  try {
    for await (const chunk of uploadBody(req, faults)) {
      const dropped = Math.min(Math.max(skip, 0), chunk.length);
      skip -= dropped;
      const fresh = chunk.subarray(dropped);
      const piece = fresh.subarray(0, Math.max(0, end - session.persisted));
      if (piece.length < fresh.length) tooLong = true;
      if (piece.length > 0) await session.writer.append(piece);
    }
  } catch (error) {
    if (error instanceof FailureByFault) {
      sendError(
        res,
        new GcsError(error.status, reasonForStatus(error.status), 'Injected failure.'),
      );
      return;
    }
    // A reset by a fault switch, or the client went away: keep what arrived, nobody to answer.
    if (error instanceof ConnectionResetByFault || !req.complete) return;
    throw error;
  } finally {
    session.receiving = undefined;
  }
  if (tooLong) throw invalid('The request body is longer than its Content-Range declares.');

  const total =
    range.total ??
    session.declaredSize ??
    (range.last === undefined ? session.persisted : undefined);
  if (total !== undefined && session.persisted === total) {
    await finalize(ctx, request, session);
  } else {
    answerIncomplete(request, session);
  }
}

function checkAgainstSession(
  range: UploadContentRange,
  session: UploadSession,
  contentLength: number | undefined,
) {
  const { declaredSize } = session;
  if (range.total !== undefined && declaredSize !== undefined && range.total !== declaredSize) {
    throw invalid(
      `Content-Range total ${range.total} does not match X-Upload-Content-Length ${declaredSize}.`,
    );
  }
  if (range.kind === 'status') return;
  if (range.first > session.persisted) {
    throw invalid(
      `Content-Range starts at ${range.first} but only ${session.persisted} bytes are persisted.`,
    );
  }
  if (
    range.last !== undefined &&
    contentLength !== undefined &&
    contentLength !== range.last - range.first + 1
  ) {
    throw invalid('Content-Range does not match Content-Length.');
  }
}

async function finalize(ctx: StorageContext, request: RoutedRequest, session: UploadSession) {
  await session.writer.close();
  try {
    const object = await ctx.store.commit({
      bucket: session.bucket,
      name: session.name,
      fields: session.fields,
      checksums: session.writer.checksums(),
      sourcePath: session.writer.path,
      preconditions: session.preconditions,
    });
    session.state = { kind: 'finalized', object };
    answerCommitted(ctx, request, object);
  } catch (error) {
    if (!(error instanceof GcsError)) throw error;
    session.state = { kind: 'failed', error };
    await rm(session.writer.path, { force: true });
    throw error;
  }
}

/** `DELETE {session URI}`: cancels the upload; GCS answers 499. */
export async function cancelResumableUpload(
  ctx: StorageContext,
  { req, res, route }: RoutedRequest<RouteOf<'upload-cancel'>>,
) {
  await drainBody(req);
  if (ctx.sessions.get(route.uploadId) === undefined) throw noSuchUpload();
  await ctx.sessions.discard(route.uploadId);
  sendEmpty(res, 499);
}
