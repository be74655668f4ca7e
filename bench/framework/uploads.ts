import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Database } from 'firebase/database';
import { recordingFileName, storageObjectName } from '../../common/recording/recording-paths.js';
import { roomKeyFromUrl } from '../../common/room-key.js';
import {
  type BenchStack,
  BUCKET,
  type ControllerUnderTest,
  StatusTimeline,
} from './bench-stack.js';
import { memoryOf, RssSampler } from './process-memory.js';
import type { RecordingFiles } from './recording-files.js';

/** A push-id-shaped recording id (20 characters of the push alphabet). */
export function recordingId(): string {
  return `-${randomBytes(15).toString('base64url').slice(0, 19)}`;
}

export interface ControllerUpload {
  /** From `uploading` to `uploaded`, as a client listening on the record saw them. */
  readonly ms: number;
  /** The controller's RSS just before the file appeared, and its peak while uploading. */
  readonly idleRss: number;
  readonly peakRss: number;
  readonly objectName: string;
}

/**
 * A finished recording the egress would have left: its record in `processing` and its file in
 * the output directory (placed by the bench). The controller's watcher finds the file, and the
 * upload is timed from `uploading` to `uploaded` as another client sees the record.
 */
export async function uploadThroughController(
  stack: BenchStack,
  controller: ControllerUnderTest,
  observer: Database,
  files: RecordingFiles,
  mib: number,
): Promise<ControllerUpload> {
  const roomUrl = `https://app.example.com/room/${randomBytes(6).toString('hex')}`;
  const roomKey = roomKeyFromUrl(roomUrl);
  const id = recordingId();
  await stack.admitParticipants(roomKey);
  const timeline = new StatusTimeline(observer, roomKey, id);
  try {
    await stack.adminPatch(`recordings/${roomKey}/${id}`, {
      roomUrl,
      requestedBy: 'bench',
      requestedAt: Date.now(),
      status: 'processing',
    });
    await timeline.when('processing');
    const idleRss = (await memoryOf(controller.pid)).rss;
    const sampler = await RssSampler.start(controller.pid);
    await files.place(mib, join(stack.outputDir, recordingFileName(roomKey, id)));
    const uploading = await timeline.when('uploading', 120_000);
    const uploaded = await timeline.when('uploaded', 600_000);
    const peakRss = await sampler.stop();
    return {
      ms: uploaded - uploading,
      idleRss,
      peakRss,
      objectName: storageObjectName(roomKey, id),
    };
  } finally {
    timeline.close();
  }
}

function httpRequest(
  url: string,
  options: { method: string; headers: Record<string, string> },
  body?: NodeJS.ReadableStream | string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, options, (response) => {
      response.resume();
      response.once('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers }),
      );
      response.once('error', reject);
    });
    outgoing.once('error', reject);
    if (body === undefined || typeof body === 'string') {
      outgoing.end(body);
      return;
    }
    pipeline(body, outgoing).catch(reject);
  });
}

/**
 * The baseline: the file piped with `fs.createReadStream` into one HTTP PUT of a resumable
 * session on the same Storage emulator (the session opened first, as the client does), no SDK.
 */
export async function rawUpload(
  storageHost: string,
  path: string,
  size: number,
): Promise<{ ms: number; objectName: string }> {
  const objectName = `bench-raw/${randomBytes(8).toString('hex')}.mp4`;
  const started = performance.now();
  const session = await httpRequest(
    `http://${storageHost}/upload/storage/v1/b/${BUCKET}/o?uploadType=resumable&name=${encodeURIComponent(objectName)}`,
    {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-upload-content-type': 'video/mp4',
        'x-upload-content-length': String(size),
      },
    },
    JSON.stringify({ contentType: 'video/mp4' }),
  );
  const location = session.headers.location;
  if (session.status !== 200 || typeof location !== 'string') {
    throw new Error(`resumable session not opened: ${session.status}`);
  }
  const put = await httpRequest(
    location,
    {
      method: 'PUT',
      headers: { 'content-type': 'video/mp4', 'content-length': String(size) },
    },
    createReadStream(path),
  );
  if (put.status !== 200) throw new Error(`raw PUT answered ${put.status}`);
  return { ms: performance.now() - started, objectName };
}

/** Frees the emulator's disk between runs: a 1 GiB object per run adds up. */
export async function deleteObject(storageHost: string, objectName: string): Promise<void> {
  const response = await fetch(
    `http://${storageHost}/storage/v1/b/${BUCKET}/o/${encodeURIComponent(objectName)}`,
    { method: 'DELETE' },
  );
  if (!response.ok && response.status !== 404) {
    throw new Error(`DELETE ${objectName}: ${response.status}`);
  }
}
