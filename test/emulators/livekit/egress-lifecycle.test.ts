import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  EncodingOptionsPreset,
} from '@livekit/protocol';
import { EgressClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';
import { serverErrorOf } from './support/server-error.js';

let lk: LivekitFixture;

beforeAll(async () => {
  lk = await startLivekitFixture({ egressStartTimeoutMs: 1_000 });
});
afterAll(async () => {
  await lk.close();
});

function startRecording(room: string, filepath = join(lk.outputDir, room, 'recording.mp4')) {
  return lk.egress.startRoomCompositeEgress(
    room,
    { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath }) },
    { layout: 'grid', encodingOptions: EncodingOptionsPreset.H264_720P_30 },
  );
}

describe('room-composite egress lifecycle', () => {
  it('starts STARTING with the filename resolved, becomes ACTIVE, ENDING on stop, then COMPLETE with the file', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room, `${lk.outputDir}/${room}/{room_name}-{time}`);
    expect(started.status).toBe(EgressStatus.EGRESS_STARTING);
    expect(started.egressId).toMatch(/^EG_/);
    expect(started.startedAt).toBeGreaterThan(0n);
    const filename = started.fileResults[0]?.filename ?? '';
    expect(filename).toMatch(
      new RegExp(`^${lk.outputDir}/${room}/${room}-\\d{4}-\\d{2}-\\d{2}T\\d{6}\\.mp4$`),
    );

    await lk.inbox.next('egress_started', started.egressId);
    const active = await lk.inbox.next('egress_updated', started.egressId);
    expect(JSON.parse(active.body).egressInfo.status).toBe('EGRESS_ACTIVE');
    const [listed] = await lk.egress.listEgress({ egressId: started.egressId });
    expect(listed?.status).toBe(EgressStatus.EGRESS_ACTIVE);

    const stopping = await lk.egress.stopEgress(started.egressId);
    expect(stopping.status).toBe(EgressStatus.EGRESS_ENDING);
    expect(stopping.endedAt).toBe(0n);
    expect(stopping.fileResults[0]?.size).toBe(0n);
    expect(stopping.fileResults[0]?.location).toBe('');

    const ended = await lk.inbox.next('egress_ended', started.egressId);
    const info = (await lk.receiver.receive(ended.body, ended.authorization)).egressInfo;
    expect(info?.status).toBe(EgressStatus.EGRESS_COMPLETE);
    expect(info?.details).toBe('End reason: StopEgress API');
    const file = info?.fileResults[0];
    expect(file?.location).toBe(filename);
    expect(file?.size).toBeGreaterThan(0n);
    expect(file?.duration).toBe((file?.endedAt ?? 0n) - (file?.startedAt ?? 0n));
    // The file was complete in the output directory before the event was sent.
    expect(ended.locationSizeOnArrival).toBe(Number(file?.size));
    expect(lk.inbox.events((d) => d.egressId === started.egressId)).toEqual([
      'egress_started',
      'egress_updated',
      'egress_updated',
      'egress_ended',
    ]);
  });

  it('writes a manifest next to the file unless disabled', async () => {
    const room = await lk.roomWithPublisher();
    const filepath = join(lk.outputDir, room, 'with-manifest.mp4');
    const started = await startRecording(room, filepath);
    await lk.inbox.next('egress_updated', started.egressId);
    await lk.egress.stopEgress(started.egressId);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    const manifest = JSON.parse(ended.body).egressInfo.manifestLocation;
    expect(manifest).toBe(join(lk.outputDir, room, `${started.egressId}.json`));
    expect(existsSync(manifest)).toBe(true);
  });

  it('stays STARTING without a publisher and becomes ACTIVE when someone publishes', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    lk.emulator.controls.rooms.addParticipant(room, { identity: 'bob' });
    const started = await startRecording(room);
    await lk.inbox.next('egress_started', started.egressId);
    lk.emulator.controls.rooms.setPublishing(room, 'bob', true);
    await lk.inbox.next('egress_updated', started.egressId);
    const [listed] = await lk.egress.listEgress({ egressId: started.egressId });
    expect(listed?.status).toBe(EgressStatus.EGRESS_ACTIVE);
    await lk.egress.stopEgress(started.egressId);
    await lk.inbox.next('egress_ended', started.egressId);
  });

  it('aborts with "Start signal not received" when nothing is published in time', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const started = await startRecording(room);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    const info = (await lk.receiver.receive(ended.body, ended.authorization)).egressInfo;
    expect(info?.status).toBe(EgressStatus.EGRESS_ABORTED);
    expect(info?.error).toBe('Start signal not received');
    expect(info?.errorCode).toBe(412);
    expect(existsSync(join(lk.outputDir, room))).toBe(false);
  });

  it('aborts a stop that comes before the pipeline started', async () => {
    const room = lk.roomName();
    await lk.rooms.createRoom({ name: room });
    const started = await startRecording(room);
    await lk.egress.stopEgress(started.egressId);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    expect(JSON.parse(ended.body).egressInfo).toMatchObject({
      status: 'EGRESS_ABORTED',
      error: 'Stop called before pipeline could start',
    });
  });

  it('fails without writing a file when the worker fails', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room);
    await lk.inbox.next('egress_updated', started.egressId);
    lk.emulator.controls.egress.fail(started.egressId, 'pipeline crashed');
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    expect(JSON.parse(ended.body).egressInfo).toMatchObject({
      status: 'EGRESS_FAILED',
      error: 'pipeline crashed',
      details: 'End reason: Failure',
    });
    expect(existsSync(join(lk.outputDir, room))).toBe(false);
  });

  it('fails at the end when the path is not inside the mounted output directory', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room, `${room}/relative.mp4`);
    await lk.inbox.next('egress_updated', started.egressId);
    await lk.egress.stopEgress(started.egressId);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    expect(JSON.parse(ended.body).egressInfo).toMatchObject({
      status: 'EGRESS_FAILED',
      error: `open ${room}/relative.mp4: permission denied`,
    });
  });

  it('ends LIMIT_REACHED with the file kept when the session limit is hit', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room);
    await lk.inbox.next('egress_updated', started.egressId);
    lk.emulator.controls.egress.reachLimit(started.egressId);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    const info = JSON.parse(ended.body).egressInfo;
    expect(info).toMatchObject({ status: 'EGRESS_LIMIT_REACHED', errorCode: 413 });
    expect(ended.locationSizeOnArrival).toBeGreaterThan(0);
  });

  it('completes with "Source closed" when the room closes during a recording', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room);
    await lk.inbox.next('egress_updated', started.egressId);
    lk.emulator.controls.rooms.close(room);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    expect(JSON.parse(ended.body).egressInfo).toMatchObject({
      status: 'EGRESS_COMPLETE',
      details: 'End reason: Source closed',
    });
    expect(ended.locationSizeOnArrival).toBeGreaterThan(0);
  });

  it('keeps the recorder as an EGRESS participant that does not hold the room open', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room);
    const participants = await lk.rooms.listParticipants(room);
    expect(participants.map((p) => p.identity).sort()).toEqual(['alice', started.egressId].sort());
    await lk.egress.stopEgress(started.egressId);
    await lk.inbox.next('egress_ended', started.egressId);
  });
});

describe('egress API errors', () => {
  it('answers not_found for a room that does not exist', async () => {
    const error = await serverErrorOf(startRecording(lk.roomName('missing')));
    expect({ status: error.status, code: error.code, message: error.message }).toEqual({
      status: 404,
      code: 'not_found',
      message: 'twirp error unknown: requested room does not exist',
    });
  });

  it('answers 503 unavailable when no worker can take the egress', async () => {
    const room = await lk.roomWithPublisher();
    lk.emulator.controls.egress.setWorkerAvailable(false);
    try {
      const error = await serverErrorOf(startRecording(room));
      expect([error.status, error.code, error.message]).toEqual([
        503,
        'unavailable',
        'twirp error unknown: no response from servers',
      ]);
    } finally {
      lk.emulator.controls.egress.setWorkerAvailable(true);
    }
  });

  it('can answer "no worker" later than the client waits, as a real server retrying its workers', async () => {
    const room = await lk.roomWithPublisher();
    lk.emulator.controls.egress.setWorkerAvailable(false, { answerAfterMs: 1_000 });
    const impatient = new EgressClient(lk.emulator.url, lk.apiKey, lk.apiSecret, {
      requestTimeout: 0.2,
    });
    try {
      const error = await impatient
        .startRoomCompositeEgress(room, {
          file: new EncodedFileOutput({ filepath: join(lk.outputDir, 'x.mp4') }),
        })
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(error).toMatchObject({ name: 'TimeoutError' });
    } finally {
      lk.emulator.controls.egress.setWorkerAvailable(true);
    }
  });

  it('cleans a filepath that climbs out of the output directory and fails without writing there', async () => {
    const room = await lk.roomWithPublisher();
    const outside = `${lk.outputDir}/../${room}-escape.mp4`;
    const started = await startRecording(room, outside);
    expect(started.fileResults[0]?.filename).toBe(join(lk.outputDir, '..', `${room}-escape.mp4`));
    await lk.inbox.next('egress_updated', started.egressId);
    await lk.egress.stopEgress(started.egressId);
    const ended = await lk.inbox.next('egress_ended', started.egressId);
    expect(JSON.parse(ended.body).egressInfo.status).toBe('EGRESS_FAILED');
    expect(await readdir(join(lk.outputDir, '..'))).not.toContain(`${room}-escape.mp4`);
  });

  it('answers not_found when stopping an unknown egress and failed_precondition after it ended', async () => {
    const unknown = await serverErrorOf(lk.egress.stopEgress('EG_doesnotexist'));
    expect([unknown.status, unknown.code, unknown.message]).toEqual([
      404,
      'not_found',
      'twirp error unknown: egress does not exist',
    ]);

    const room = await lk.roomWithPublisher();
    const started = await startRecording(room);
    await lk.inbox.next('egress_updated', started.egressId);
    await lk.egress.stopEgress(started.egressId);
    await lk.inbox.next('egress_ended', started.egressId);
    const again = await serverErrorOf(lk.egress.stopEgress(started.egressId));
    expect([again.status, again.code, again.message]).toEqual([
      412,
      'failed_precondition',
      'egress with status EGRESS_COMPLETE cannot be stopped',
    ]);
  });
});

describe('ListEgress and UpdateLayout', () => {
  it('filters by room, by egress id and by activity, and keeps ended egresses', async () => {
    const room = await lk.roomWithPublisher();
    const first = await startRecording(room, join(lk.outputDir, room, 'first.mp4'));
    const second = await startRecording(room, join(lk.outputDir, room, 'second.mp4'));
    await lk.inbox.next('egress_updated', first.egressId);
    await lk.egress.stopEgress(first.egressId);
    await lk.inbox.next('egress_ended', first.egressId);

    const all = await lk.egress.listEgress({ roomName: room });
    expect(all.map((info) => info.egressId).sort()).toEqual(
      [first.egressId, second.egressId].sort(),
    );
    const active = await lk.egress.listEgress({ roomName: room, active: true });
    expect(active.map((info) => info.egressId)).toEqual([second.egressId]);
    const byId = await lk.egress.listEgress({ egressId: first.egressId });
    expect(byId.map((info) => info.status)).toEqual([EgressStatus.EGRESS_COMPLETE]);
    expect(await lk.egress.listEgress({ roomName: lk.roomName('other') })).toEqual([]);
    const missing = await serverErrorOf(lk.egress.listEgress({ egressId: 'EG_doesnotexist' }));
    expect(missing.code).toBe('not_found');
    await lk.egress.stopEgress(second.egressId);
    await lk.inbox.next('egress_ended', second.egressId);
  });

  it('passes a new layout to the recorder participant, and answers not_found once it ended', async () => {
    const room = await lk.roomWithPublisher();
    const started = await startRecording(room);
    const updated = await lk.egress.updateLayout(started.egressId, 'speaker');
    expect(updated.egressId).toBe(started.egressId);
    const recorder = (await lk.rooms.listParticipants(room)).find(
      (p) => p.identity === started.egressId,
    );
    expect(JSON.parse(recorder?.metadata ?? '{}')).toEqual({ layout: 'speaker' });
    await lk.egress.stopEgress(started.egressId);
    await lk.inbox.next('egress_ended', started.egressId);
    const error = await serverErrorOf(lk.egress.updateLayout(started.egressId, 'grid'));
    expect([error.status, error.code]).toEqual([404, 'not_found']);
  });
});
