import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FilePipelineSettings } from '../../controller/controller.js';
import { type Participant, RecordingStack } from '../support/recording-stack.js';

/** Short waits so that a test sees every step within its timeout. */
export const FAST_FILES: Partial<FilePipelineSettings> = {
  enabled: true,
  watch: true,
  settleMs: 400,
  progressIntervalMs: 200,
  reopenAfterMs: 0,
  retry: { retries: 4, minTimeoutMs: 50, maxTimeoutMs: 200, stallTimeoutMs: 5_000 },
};

export const hasStatus = (status: string) => (record: Record<string, unknown>) =>
  record.status === status;

export const isSettled = (record: Record<string, unknown>) =>
  record.status === 'uploaded' || record.status === 'failed';

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

export const recordingFile = (stack: RecordingStack, roomKey: string, recordingId: string) =>
  join(stack.outputDir, roomKey, `${recordingId}.mp4`);

/** Starts a recording in a fresh room with `alice` publishing, and stops it once it records. */
export async function recordBriefly(
  stack: RecordingStack,
  options: { readonly beforeStop?: () => void } = {},
): Promise<{ roomKey: string; recordingId: string; alice: Participant }> {
  const { roomUrl, roomKey } = RecordingStack.room();
  const alice = await stack.participant();
  stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
  stack.livekit.controls.rooms.setPublishing(roomKey, alice.uid, true);
  const recordingId = await alice.start(roomUrl);
  await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('recording'));
  options.beforeStop?.();
  await alice.stop(roomUrl, recordingId);
  return { roomKey, recordingId, alice };
}
