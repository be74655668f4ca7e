import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EgressSourceType, EgressStatus, EncodingOptionsPreset } from '@livekit/protocol';
import { EgressClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFully, requireFfprobe } from '../emulators/livekit/support/ffprobe.js';
import { FAST_FILES, hasStatus } from '../file-pipeline/file-pipeline-support.js';
import { signUpUser } from '../support/firebase-users.js';
import {
  type Participant,
  RecordingStack,
  type RunningController,
} from '../support/recording-stack.js';
import { callApi, recordOverHttp } from './manage-support.js';

const run = promisify(execFile);

let stack: RecordingStack;
let controller: RunningController;
let viewer: Participant;
let egress: EgressClient;

beforeAll(async () => {
  await requireFfprobe();
  stack = await RecordingStack.start({ files: FAST_FILES });
  controller = await stack.startController({
    RECORDING_ALLOWED_PRESETS: 'H264_720P_30,H264_1080P_30',
  });
  viewer = await stack.participant();
  egress = new EgressClient(stack.livekit.url, stack.keys.apiKey, stack.keys.apiSecret);
});

afterAll(async () => {
  await stack?.stop();
});

/** The request LiveKit holds for the recording's egress, as ListEgress reports it. */
async function egressRequestOf(roomKey: string) {
  const [info] = await egress.listEgress({ roomName: roomKey });
  if (info?.request.case !== 'roomComposite') throw new Error('no room composite egress');
  return { info, request: info.request.value };
}

describe('audio-only recordings', () => {
  it('end uploaded with an audio-only MP4 that ffprobe reads, recorded on the path without Chrome', async () => {
    const alice = await signUpUser();
    const { roomKey, recordingId, record } = await recordOverHttp(
      stack,
      controller,
      alice,
      viewer,
      {
        audioOnly: true,
      },
    );
    const { info, request } = await egressRequestOf(roomKey);
    expect(request.audioOnly).toBe(true);
    expect(request.layout).toBe('');
    expect(info.sourceType).toBe(EgressSourceType.SDK);
    expect(info.status).toBe(EgressStatus.EGRESS_COMPLETE);

    const response = await fetch(String(record.downloadUrl));
    expect(response.headers.get('content-type')).toBe('audio/mp4');
    const downloaded = join(stack.outputDir, 'downloaded-audio.mp4');
    await writeFile(downloaded, new Uint8Array(await response.arrayBuffer()));
    const { stdout } = await run('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_type,codec_name:format=duration',
      '-of',
      'json',
      downloaded,
    ]);
    const probed = JSON.parse(stdout) as {
      streams: { codec_type: string; codec_name: string }[];
      format: { duration: string };
    };
    expect(probed.streams).toEqual([{ codec_type: 'audio', codec_name: 'aac' }]);
    expect(Number(probed.format.duration)).toBeGreaterThan(0);
    await decodeFully(downloaded);
    expect(record.storagePath).toBe(`recordings/${roomKey}/${recordingId}.mp4`);
  });
});

describe('layout and preset', () => {
  it('reach the egress request LiveKit holds', async () => {
    const alice = await signUpUser();
    const { roomKey } = await recordOverHttp(stack, controller, alice, viewer, {
      layout: 'speaker',
      preset: 'H264_1080P_30',
    });
    const { request } = await egressRequestOf(roomKey);
    expect(request.layout).toBe('speaker');
    expect(request.audioOnly).toBe(false);
    expect(request.options).toEqual({
      case: 'preset',
      value: EncodingOptionsPreset.H264_1080P_30,
    });
  });

  it('come from the record a client writes', async () => {
    const { roomUrl, roomKey, recordingId, alice } = await stack.recordingInNewRoom({
      layout: 'single-speaker',
    });
    const { request } = await egressRequestOf(roomKey);
    expect(request.layout).toBe('single-speaker');
    await alice.stop(roomUrl, recordingId);
  });

  it('fail a client-written start with invalid_command when the preset is not allowed here', async () => {
    const { roomUrl, roomKey } = RecordingStack.room();
    const alice = await stack.participant();
    stack.livekit.controls.rooms.addParticipant(roomKey, { identity: alice.uid });
    const recordingId = await alice.start(roomUrl, { preset: 'H264_1080P_60' });
    const failed = await stack.waitForRecord(alice.db, roomKey, recordingId, hasStatus('failed'));
    expect(failed.error).toMatchObject({
      code: 'invalid_command',
      message: expect.stringContaining('preset_not_allowed'),
    });
    expect(await egress.listEgress({ roomName: roomKey })).toEqual([]);
  });

  it.each([
    [{ preset: 'H264_1080P_60' }, 400, 'preset_not_allowed'],
    [{ layout: 'mosaic' }, 400, 'invalid_request'],
    [{ preset: 'H264_4K_120' }, 400, 'invalid_request'],
    [{ audioOnly: true, layout: 'grid' }, 400, 'audio_only_conflict'],
    [{ audioOnly: 'yes' }, 400, 'invalid_request'],
  ])('POST /recordings/start refuses %o with %i %s', async (choice, status, code) => {
    const { roomUrl } = RecordingStack.room();
    const answer = await callApi(
      controller,
      'POST',
      '/recordings/start',
      { 'x-api-key': controller.config.control.apiKey },
      { roomUrl, identity: 'alice', ...choice },
    );
    expect(answer.status).toBe(status);
    expect(answer.body.error?.code).toBe(code);
  });
});
