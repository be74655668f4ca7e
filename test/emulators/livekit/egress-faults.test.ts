import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type EgressInfo,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
} from '@livekit/protocol';
import { EgressClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topLevelBoxes } from '../../../emulators/livekit/egress/mp4-boxes.js';
import { type LivekitFixture, startLivekitFixture } from './support/livekit-fixture.js';
import { serverErrorOf } from './support/server-error.js';

/**
 * The egress faults the real server shows (emulators/livekit/README.md, "Learnt from the real
 * server"), played by the emulator's switches and observed through the real server SDK.
 */
let lk: LivekitFixture;

beforeAll(async () => {
  lk = await startLivekitFixture();
});
afterAll(async () => {
  await lk.close();
});

/** A recording that has gone ACTIVE; audio-only without a layout is recorded without Chrome. */
async function activeRecording(room: string, options: { audioOnly?: boolean } = {}) {
  const filepath = join(lk.outputDir, room, 'take.mp4');
  const started = await lk.egress.startRoomCompositeEgress(
    room,
    { file: new EncodedFileOutput({ fileType: EncodedFileType.MP4, filepath }) },
    options.audioOnly ? { audioOnly: true } : { layout: 'grid' },
  );
  await lk.inbox.next('egress_updated', started.egressId);
  return started;
}

/** A recording in a room where nobody publishes, so it stays STARTING. */
async function startingRecording() {
  const room = lk.roomName();
  await lk.rooms.createRoom({ name: room });
  const started = await lk.egress.startRoomCompositeEgress(room, {
    file: new EncodedFileOutput({ filepath: join(lk.outputDir, room, 'take.mp4') }),
  });
  return { room, started };
}

/** `event:status` of every webhook about the egress, in arrival order. */
function webhooksOf(egressId: string): string[] {
  return (
    lk.inbox.deliveries
      .filter((delivery) => delivery.egressId === egressId)
      // protojson leaves the zero value out: no status is STARTING.
      .map((d) => `${d.event}:${JSON.parse(d.body).egressInfo.status ?? 'EGRESS_STARTING'}`)
  );
}

async function endedInfo(egressId: string): Promise<EgressInfo | undefined> {
  const ended = await lk.inbox.next('egress_ended', egressId);
  return (await lk.receiver.receive(ended.body, ended.authorization)).egressInfo;
}

/** Asserts the file result names a complete MP4 in the output directory, of the size reported. */
async function expectCompleteFile(info: EgressInfo | undefined, room: string): Promise<void> {
  const file = info?.fileResults[0];
  expect(file?.filename).toBe(join(lk.outputDir, room, 'take.mp4'));
  expect(file?.location).toBe(file?.filename);
  expect(file?.duration).toBeGreaterThan(0n);
  expect(file?.duration).toBe((file?.endedAt ?? 0n) - (file?.startedAt ?? 0n));
  const location = file?.location ?? '';
  expect(BigInt((await stat(location)).size)).toBe(file?.size);
  expect((await topLevelBoxes(location)).map((box) => box.type)).toContain('moov');
}

describe('a worker shut down (SIGINT)', () => {
  it('ends the egress FAILED "server is shutting down" with its complete file copied out', async () => {
    const room = await lk.roomWithPublisher();
    const started = await activeRecording(room);
    lk.emulator.controls.egress.shutDown(started.egressId);
    const info = await endedInfo(started.egressId);
    expect(info).toMatchObject({
      status: EgressStatus.EGRESS_FAILED,
      error: 'server is shutting down',
      errorCode: 403,
      details: 'End reason: Process killed',
      manifestLocation: '',
    });
    await expectCompleteFile(info, room);
    expect(existsSync(join(lk.outputDir, room, `${started.egressId}.json`))).toBe(false);
    expect(webhooksOf(started.egressId)).toEqual([
      'egress_started:EGRESS_STARTING',
      'egress_updated:EGRESS_ACTIVE',
      'egress_updated:EGRESS_ENDING',
      'egress_ended:EGRESS_FAILED',
    ]);
    const [listed] = await lk.egress.listEgress({ egressId: started.egressId });
    expect(listed?.status).toBe(EgressStatus.EGRESS_FAILED);
  });

  it('ends every egress without an id, one still STARTING ABORTED', async () => {
    const recordingRoom = await lk.roomWithPublisher();
    const recording = await activeRecording(recordingRoom);
    const { room: waitingRoom, started: waiting } = await startingRecording();
    lk.emulator.controls.egress.shutDown();
    const recorded = await endedInfo(recording.egressId);
    expect(recorded?.error).toBe('server is shutting down');
    await expectCompleteFile(recorded, recordingRoom);
    expect(await endedInfo(waiting.egressId)).toMatchObject({
      status: EgressStatus.EGRESS_ABORTED,
      error: 'Start signal not received',
    });
    expect(existsSync(join(lk.outputDir, waitingRoom))).toBe(false);
  });
});

describe('an audio-only egress losing its room connection', () => {
  it('ends FAILED "recording ended early: connection to room failed" with its complete file', async () => {
    const room = await lk.roomWithPublisher();
    const started = await activeRecording(room, { audioOnly: true });
    lk.emulator.controls.egress.loseRoomConnection(started.egressId);
    const info = await endedInfo(started.egressId);
    expect(info).toMatchObject({
      status: EgressStatus.EGRESS_FAILED,
      error: 'recording ended early: connection to room failed',
      errorCode: 503,
      details: 'End reason: Source closed',
      manifestLocation: join(lk.outputDir, room, `${started.egressId}.json`),
    });
    await expectCompleteFile(info, room);
    expect(webhooksOf(started.egressId).slice(-2)).toEqual([
      'egress_updated:EGRESS_ENDING',
      'egress_ended:EGRESS_FAILED',
    ]);
  });

  it('is refused for an egress recorded through Chrome, which does not fail this way', async () => {
    const room = await lk.roomWithPublisher();
    const started = await activeRecording(room);
    expect(() => lk.emulator.controls.egress.loseRoomConnection(started.egressId)).toThrow(
      /only the SDK source/,
    );
    await lk.egress.stopEgress(started.egressId);
    expect((await endedInfo(started.egressId))?.status).toBe(EgressStatus.EGRESS_COMPLETE);
  });
});

describe('a killed worker', () => {
  it('leaves its egress ACTIVE for good, reporting nothing more and writing nothing out', async () => {
    const room = await lk.roomWithPublisher();
    const started = await activeRecording(room);
    lk.emulator.controls.egress.kill(started.egressId, { stopAnswerAfterMs: 100 });

    const stop = await serverErrorOf(lk.egress.stopEgress(started.egressId));
    expect([stop.status, stop.code, stop.message]).toEqual([
      408,
      'deadline_exceeded',
      'twirp error unknown: request timed out',
    ]);
    const participants = await lk.rooms.listParticipants(room);
    expect(participants.map((p) => p.identity)).toEqual(['alice']);
    // A room closing ends a running egress at once; this one no longer hears of it.
    lk.emulator.controls.rooms.close(room);
    const [listed] = await lk.egress.listEgress({ egressId: started.egressId });
    expect(listed?.status).toBe(EgressStatus.EGRESS_ACTIVE);
    const active = await lk.egress.listEgress({ roomName: room, active: true });
    expect(active.map((info) => info.egressId)).toEqual([started.egressId]);
    expect(webhooksOf(started.egressId)).toEqual([
      'egress_started:EGRESS_STARTING',
      'egress_updated:EGRESS_ACTIVE',
    ]);
    expect(existsSync(join(lk.outputDir, room))).toBe(false);
  });

  it('answers StopEgress later than an impatient client waits', async () => {
    const room = await lk.roomWithPublisher();
    const started = await activeRecording(room);
    lk.emulator.controls.egress.kill(started.egressId, { stopAnswerAfterMs: 1_000 });
    const impatient = new EgressClient(lk.emulator.url, lk.apiKey, lk.apiSecret, {
      requestTimeout: 0.2,
    });
    const error = await impatient.stopEgress(started.egressId).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ name: 'TimeoutError' });
  });

  it('kills every running egress without an id, one still STARTING staying STARTING', async () => {
    const recordingRoom = await lk.roomWithPublisher();
    const recording = await activeRecording(recordingRoom);
    const { room: waitingRoom, started: waiting } = await startingRecording();
    lk.emulator.controls.egress.kill(undefined, { stopAnswerAfterMs: 100 });
    // A publisher would start a running egress; this one stays as it was.
    lk.emulator.controls.rooms.addParticipant(waitingRoom, { identity: 'bob' });
    lk.emulator.controls.rooms.setPublishing(waitingRoom, 'bob', true);
    expect((await serverErrorOf(lk.egress.stopEgress(waiting.egressId))).status).toBe(408);
    expect((await serverErrorOf(lk.egress.stopEgress(recording.egressId))).status).toBe(408);
    const statuses = await Promise.all(
      [recording, waiting].map(async ({ egressId }) => {
        const [info] = await lk.egress.listEgress({ egressId });
        return info?.status;
      }),
    );
    expect(statuses).toEqual([EgressStatus.EGRESS_ACTIVE, EgressStatus.EGRESS_STARTING]);
    expect(webhooksOf(waiting.egressId)).toEqual(['egress_started:EGRESS_STARTING']);
  });
});

describe('an egress livekit-server forgot (Redis restart)', () => {
  const notFound = [404, 'not_found', 'twirp error unknown: egress does not exist'];
  const answerOf = async (call: Promise<unknown>) => {
    const error = await serverErrorOf(call);
    return [error.status, error.code, error.message];
  };

  it('is unknown to the API while its worker records on, and known again once it reports its end', async () => {
    const room = await lk.roomWithPublisher();
    const started = await activeRecording(room);
    lk.emulator.controls.egress.forget(started.egressId);

    expect(await answerOf(lk.egress.listEgress({ egressId: started.egressId }))).toEqual(notFound);
    expect(await answerOf(lk.egress.stopEgress(started.egressId))).toEqual(notFound);
    expect(await answerOf(lk.egress.updateLayout(started.egressId, 'speaker'))).toEqual(notFound);
    expect(await lk.egress.listEgress({ roomName: room })).toEqual([]);

    lk.emulator.controls.rooms.close(room);
    const info = await endedInfo(started.egressId);
    expect(info).toMatchObject({
      status: EgressStatus.EGRESS_COMPLETE,
      details: 'End reason: Source closed',
    });
    await expectCompleteFile(info, room);
    const [listed] = await lk.egress.listEgress({ egressId: started.egressId });
    expect(listed?.status).toBe(EgressStatus.EGRESS_COMPLETE);
  });

  it('forgets every egress without an id, ended ones too', async () => {
    const endedRoom = await lk.roomWithPublisher();
    const ended = await activeRecording(endedRoom);
    await lk.egress.stopEgress(ended.egressId);
    await lk.inbox.next('egress_ended', ended.egressId);
    const { room: waitingRoom, started: waiting } = await startingRecording();

    lk.emulator.controls.egress.forget();
    for (const { egressId } of [ended, waiting]) {
      expect(await answerOf(lk.egress.listEgress({ egressId }))).toEqual(notFound);
    }
    expect(await lk.egress.listEgress({ roomName: endedRoom })).toEqual([]);
    expect(await lk.egress.listEgress({ roomName: waitingRoom })).toEqual([]);
    lk.emulator.controls.rooms.close(waitingRoom);
    expect((await endedInfo(waiting.egressId))?.status).toBe(EgressStatus.EGRESS_ABORTED);
  });
});

describe('StopEgress while the recorder launches, when stops wait for the launch', () => {
  // A launch long enough for a stop to come in during it, on a loaded machine too.
  let slow: LivekitFixture;

  beforeAll(async () => {
    slow = await startLivekitFixture({ egressActivationDelayMs: 3_000 });
  });
  afterAll(async () => {
    await slow.close();
  });

  const launchingRecording = async () => {
    const room = await slow.roomWithPublisher();
    const started = await slow.egress.startRoomCompositeEgress(room, {
      file: new EncodedFileOutput({ filepath: join(slow.outputDir, room, 'take.mp4') }),
    });
    return { room, started };
  };
  const impatientClient = () =>
    new EgressClient(slow.emulator.url, slow.apiKey, slow.apiSecret, { requestTimeout: 1 });
  const eventsOf = (egressId: string) => slow.inbox.events((d) => d.egressId === egressId);

  it('answers once the recorder is up, with the egress ABORTED and no ENDING update', async () => {
    slow.emulator.controls.egress.setStopWaitsForLaunch(true);
    try {
      const { room, started } = await launchingRecording();
      const stopping = slow.egress.stopEgress(started.egressId);
      // The answer waits for the launch, longer than this client waits.
      const early = await impatientClient()
        .stopEgress(started.egressId)
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      expect(early).toMatchObject({ name: 'TimeoutError' });
      expect(await stopping).toMatchObject({
        status: EgressStatus.EGRESS_ABORTED,
        error: 'Stop called before pipeline could start',
      });
      await slow.inbox.next('egress_ended', started.egressId);
      expect(eventsOf(started.egressId)).toEqual(['egress_started', 'egress_ended']);
      expect(existsSync(join(slow.outputDir, room))).toBe(false);
    } finally {
      slow.emulator.controls.egress.setStopWaitsForLaunch(false);
    }
  });

  it('answers 408 when the launch outlasts the wait, then aborts the egress once launched', async () => {
    slow.emulator.controls.egress.setStopWaitsForLaunch(true, { timeoutMs: 100 });
    try {
      const { started } = await launchingRecording();
      const error = await serverErrorOf(slow.egress.stopEgress(started.egressId));
      expect([error.status, error.code, error.message]).toEqual([
        408,
        'deadline_exceeded',
        'twirp error unknown: request timed out',
      ]);
      const [listed] = await slow.egress.listEgress({ egressId: started.egressId });
      expect(listed?.status).toBe(EgressStatus.EGRESS_STARTING);
      const ended = await slow.inbox.next('egress_ended', started.egressId);
      expect(JSON.parse(ended.body).egressInfo).toMatchObject({
        status: 'EGRESS_ABORTED',
        error: 'Stop called before pipeline could start',
      });
      expect(eventsOf(started.egressId)).toEqual(['egress_started', 'egress_ended']);
    } finally {
      slow.emulator.controls.egress.setStopWaitsForLaunch(false);
    }
  });

  it('stops an egress still waiting for a publisher at once', async () => {
    slow.emulator.controls.egress.setStopWaitsForLaunch(true);
    try {
      const room = slow.roomName();
      await slow.rooms.createRoom({ name: room });
      const started = await slow.egress.startRoomCompositeEgress(room, {
        file: new EncodedFileOutput({ filepath: join(slow.outputDir, room, 'take.mp4') }),
      });
      await impatientClient().stopEgress(started.egressId);
      const ended = await slow.inbox.next('egress_ended', started.egressId);
      expect(JSON.parse(ended.body).egressInfo.status).toBe('EGRESS_ABORTED');
    } finally {
      slow.emulator.controls.egress.setStopWaitsForLaunch(false);
    }
  });
});
