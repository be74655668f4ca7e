import { EventEmitter, once } from 'node:events';
import { copyFile, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  EgressInfo,
  EgressSourceType,
  EgressStatus,
  type EncodedFileOutput,
  EncodedFileType,
  FileInfo,
  ParticipantInfo_Kind,
  ParticipantPermission,
  type RoomCompositeEgressRequest,
} from '@livekit/protocol';
import { msToNs, newSid } from '../ids.js';
import type { RoomEvent, RoomRegistry } from '../rooms/room-registry.js';
import { livekitErrors, TwirpError } from '../twirp/twirp-error.js';
import { type EgressEnding, egressEndings, failedEnding } from './egress-endings.js';
import { destinationInOutputDir, resolveEgressFilepath } from './egress-filepath.js';
import { TestPatternRecording } from './test-pattern-recording.js';
import { TestToneRecording } from './test-tone-recording.js';

/** What an egress writes while active: video test pattern, or a tone for audio-only. */
type RecordingFile = TestPatternRecording | TestToneRecording;

export type EgressEventName = 'egress_started' | 'egress_updated' | 'egress_ended';

export interface EgressTiming {
  /** From a publisher being present to ACTIVE (Chrome loading the template, in real egress). */
  readonly activationDelayMs: number;
  /** No publisher within this long ends the egress ABORTED "Start signal not received". */
  readonly startTimeoutMs: number;
  /** A recording this long ends LIMIT_REACHED (egress `file_output_max_duration`); 0 = none. */
  readonly maxDurationMs: number;
  /** How often frames are appended to the file being recorded. */
  readonly writeIntervalMs: number;
  /** Filler bytes a second of video carries on top of the test pattern (the encoder's bitrate). */
  readonly fillerBytesPerSecond: number;
}

export interface EgressRegistryOptions {
  readonly rooms: RoomRegistry;
  readonly outputDir: string;
  /** The private directory recordings are written to before being copied out. */
  readonly workDir: string;
  readonly timing: EgressTiming;
  readonly onEvent: (name: EgressEventName, info: EgressInfo) => void;
}

interface EgressRecord {
  readonly info: EgressInfo;
  readonly file: FileInfo;
  readonly destination: string | undefined;
  readonly writeManifest: boolean;
  recording: RecordingFile | undefined;
  activeSinceMs: number | undefined;
  endingSinceMs: number | undefined;
  timers: NodeJS.Timeout[];
  finished: Promise<void> | undefined;
  /** Set when its worker was killed: nothing more happens to it. */
  killed: { readonly stopAnswerAfterMs: number } | undefined;
  /** livekit-server's store lost it (a Redis restart); its worker still runs it. */
  forgotten: boolean;
  /** Its activation is scheduled: the recorder is launching (Chrome loading, in real egress). */
  launching: boolean;
  /** A StopEgress waits for the launch: once launched, the egress is aborted instead. */
  stopAsked: boolean;
}

/**
 * How long livekit-server takes to give up a StopEgress no worker answers: ~3 s
 * (`../../livekit-server/README.md`, fault 3).
 */
export const KILLED_WORKER_STOP_ANSWER_MS = 3_000;

/** livekit-server's request timeout for a StopEgress its worker holds: 15 s (same README, fault 2). */
export const STOP_REQUEST_TIMEOUT_MS = 15_000;

const STATUS_NAMES: Readonly<Record<EgressStatus, string>> = {
  [EgressStatus.EGRESS_STARTING]: 'EGRESS_STARTING',
  [EgressStatus.EGRESS_ACTIVE]: 'EGRESS_ACTIVE',
  [EgressStatus.EGRESS_ENDING]: 'EGRESS_ENDING',
  [EgressStatus.EGRESS_COMPLETE]: 'EGRESS_COMPLETE',
  [EgressStatus.EGRESS_FAILED]: 'EGRESS_FAILED',
  [EgressStatus.EGRESS_ABORTED]: 'EGRESS_ABORTED',
  [EgressStatus.EGRESS_LIMIT_REACHED]: 'EGRESS_LIMIT_REACHED',
};

/** The file output egress uses: `file_outputs` when present (at most one), else the legacy `file`. */
function fileOutputOf(request: RoomCompositeEgressRequest): EncodedFileOutput {
  if (request.fileOutputs.length > 1) {
    throw new TwirpError('invalid_argument', 'multiple file outputs');
  }
  const output =
    request.fileOutputs[0] ?? (request.output.case === 'file' ? request.output.value : undefined);
  const others =
    request.streamOutputs.length + request.segmentOutputs.length + request.imageOutputs.length >
      0 ||
    request.output.case === 'stream' ||
    request.output.case === 'segments';
  if (output === undefined && others) {
    throw new TwirpError('unimplemented', 'the emulator records file outputs only');
  }
  if (output === undefined) throw livekitErrors.invalidField('output');
  if (output.output.case !== undefined) {
    throw new TwirpError('unimplemented', 'the emulator writes local files only, no cloud upload');
  }
  return output;
}

/**
 * Room-composite egress as one egress worker runs it: STARTING until the room has a
 * publisher, ACTIVE while a real MP4 grows in a private directory, ENDING on stop, then the
 * file is copied to its destination before the final state is reported.
 */
export class EgressRegistry {
  private readonly egresses = new Map<string, EgressRecord>();
  workerAvailable = true;
  /** How long a start waits before "no response from servers" (real: ~10-25 s of psrpc retries). */
  noWorkerAnswerDelayMs = 0;
  truncateFiles = false;
  /** Set: a StopEgress during a launch waits for it, at most this long, as upstream egress's does. */
  stopWaitsForLaunchMs: number | undefined = undefined;
  /** Emits an egress id with its final info once its `egress_ended` is sent. */
  private readonly endings = new EventEmitter();

  constructor(private readonly options: EgressRegistryOptions) {
    options.rooms.subscribe((event) => this.onRoomEvent(event));
  }

  async startRoomComposite(request: RoomCompositeEgressRequest): Promise<EgressInfo> {
    // livekit-server looks the room up before dispatching; the worker then validates the request.
    const room = this.options.rooms.get(request.roomName);
    if (room === undefined) throw livekitErrors.roomNotFound();
    if (!this.workerAvailable) {
      await sleep(this.noWorkerAnswerDelayMs);
      throw livekitErrors.noEgressWorker();
    }
    const output = fileOutputOf(request);
    if (request.audioOnly && output.fileType !== EncodedFileType.MP4) {
      throw new TwirpError(
        'unimplemented',
        'the emulator writes audio-only recordings as MP4 only',
      );
    }
    if (output.filepath.length > 4096) throw livekitErrors.invalidField('filepath');
    const nowMs = Date.now();
    const filename = resolveEgressFilepath(output.filepath, {
      roomName: room.name,
      roomId: room.sid,
      fileType: output.fileType,
      now: new Date(nowMs),
    });
    const file = new FileInfo({ filename });
    const info = new EgressInfo({
      egressId: newSid('EG_'),
      roomId: room.sid,
      roomName: room.name,
      // Audio only without a layout or custom URL is recorded through the SDK, without Chrome.
      sourceType:
        request.audioOnly && request.layout === '' && request.customBaseUrl === ''
          ? EgressSourceType.SDK
          : EgressSourceType.WEB,
      status: EgressStatus.EGRESS_STARTING,
      startedAt: msToNs(nowMs),
      updatedAt: msToNs(nowMs),
      request: { case: 'roomComposite', value: request.clone() },
      fileResults: [file],
      result: { case: 'file', value: file },
    });
    const record: EgressRecord = {
      info,
      file,
      destination: destinationInOutputDir(filename, this.options.outputDir),
      writeManifest: !output.disableManifest,
      recording: undefined,
      activeSinceMs: undefined,
      endingSinceMs: undefined,
      timers: [],
      finished: undefined,
      killed: undefined,
      forgotten: false,
      launching: false,
      stopAsked: false,
    };
    this.egresses.set(info.egressId, record);
    this.emit('egress_started', record);
    // The recorder joins as a hidden participant that does not keep the room open.
    this.options.rooms.join(room.name, {
      identity: info.egressId,
      kind: ParticipantInfo_Kind.EGRESS,
      // The grants of the token the egress service gives its recorder.
      permission: new ParticipantPermission({
        canSubscribe: true,
        hidden: true,
        recorder: true,
      }),
    });
    this.addTimer(record, this.options.timing.startTimeoutMs, () =>
      this.end(record, egressEndings.startSignalNotReceived),
    );
    if (this.options.rooms.hasPublisher(room.name)) this.scheduleActivation(record);
    return info.clone();
  }

  async stop(egressId: string): Promise<EgressInfo> {
    const record = this.stored(egressId);
    if (record.killed !== undefined) {
      // Nobody answers on the egress's topic; the server's store still has it running.
      await sleep(record.killed.stopAnswerAfterMs, undefined, { ref: false });
      throw livekitErrors.requestTimedOut();
    }
    const status = record.info.status;
    if (status === EgressStatus.EGRESS_STARTING) {
      if (record.launching && this.stopWaitsForLaunchMs !== undefined) {
        return this.stopAfterLaunch(record, this.stopWaitsForLaunchMs);
      }
      const snapshot = this.markEnding(record);
      this.end(record, egressEndings.stoppedBeforeStart);
      return snapshot;
    }
    if (status !== EgressStatus.EGRESS_ACTIVE) {
      throw new TwirpError(
        'failed_precondition',
        `egress with status ${STATUS_NAMES[status]} cannot be stopped`,
      );
    }
    const snapshot = this.markEnding(record);
    this.end(record, egressEndings.stopped);
    return snapshot;
  }

  /**
   * livekit-server passes a new layout to the template as the recorder participant's metadata
   * (`{"layout":…}`, via UpdateParticipant) and answers with the stored info, unchanged.
   */
  updateLayout(egressId: string, layout: string): EgressInfo {
    const record = this.stored(egressId);
    const recorder = this.options.rooms.get(record.info.roomName)?.participants.get(egressId);
    if (recorder === undefined) throw livekitErrors.participantNotFound();
    recorder.metadata = JSON.stringify({ layout });
    return record.info.clone();
  }

  list(filter: { roomName: string; egressId: string; active: boolean }): EgressInfo[] {
    // An id is a lookup, as livekit-server's: the room and active filters are not applied.
    if (filter.egressId !== '') return [this.stored(filter.egressId).info.clone()];
    return [...this.egresses.values()]
      .filter((record) => !record.forgotten)
      .map((record) => record.info)
      .filter((info) => filter.roomName === '' || info.roomName === filter.roomName)
      .filter((info) => !filter.active || info.status < EgressStatus.EGRESS_COMPLETE)
      .map((info) => info.clone());
  }

  /** Test control: the worker fails the egress (FAILED, no file). */
  fail(egressId: string, error: string): void {
    const record = this.require(egressId);
    if (!this.isRunning(record)) return;
    this.end(record, failedEnding(error));
  }

  /** Test control: the session limit is hit now (LIMIT_REACHED, file kept). */
  reachLimit(egressId: string): void {
    const record = this.require(egressId);
    if (!this.isRecording(record)) return;
    this.markEnding(record);
    this.end(record, egressEndings.limitReached);
  }

  /**
   * Test control: the worker is shut down (SIGINT) under one egress, or all when no id: an
   * ACTIVE one ends FAILED "server is shutting down" after its file is finished and copied; a
   * STARTING one ends ABORTED "Start signal not received".
   */
  shutDown(egressId?: string): void {
    for (const record of this.targets(egressId)) {
      if (!this.isRunning(record)) continue;
      if (record.info.status === EgressStatus.EGRESS_STARTING) {
        this.end(record, egressEndings.startSignalNotReceived);
      } else if (record.info.status === EgressStatus.EGRESS_ACTIVE) {
        this.markEnding(record);
        this.end(record, egressEndings.shutDown);
      }
    }
  }

  /**
   * Test control: an audio-only egress recorded without Chrome (SDK source) loses its room
   * connection: FAILED "recording ended early: connection to room failed", file kept.
   */
  loseRoomConnection(egressId: string): void {
    const record = this.require(egressId);
    if (record.info.sourceType !== EgressSourceType.SDK) {
      throw new Error(`${egressId} records through Chrome; only the SDK source fails this way`);
    }
    if (!this.isRecording(record)) return;
    this.markEnding(record);
    this.end(record, egressEndings.roomConnectionFailed);
  }

  /**
   * Test control: the worker is killed (SIGKILL) under one egress, or under every running one
   * when no id. Nothing more is reported: the egress stays STARTING or ACTIVE for good, its
   * file stops growing in the private directory and never reaches the output directory, and
   * StopEgress answers 408 after `stopAnswerAfterMs`.
   */
  kill(egressId: string | undefined, stopAnswerAfterMs: number): void {
    for (const record of this.targets(egressId)) {
      if (!this.isRunning(record)) continue;
      this.clearTimers(record);
      record.killed = { stopAnswerAfterMs };
      // The recorder's connection dies with its process.
      this.leaveRoom(record);
    }
  }

  /**
   * Test control: livekit-server forgets one egress, or every egress when no id, as when its
   * Redis restarts empty: the API answers `not_found` for it and lists it no more, while its
   * worker records on. Its next report (ACTIVE, ENDING, the end) stores it again, webhook and
   * all, as livekit-server's IOInfo service writes every report it gets.
   */
  forget(egressId?: string): void {
    for (const record of this.targets(egressId)) record.forgotten = true;
  }

  /** Resolves once every egress that has begun ending has finished (file copied, event queued). */
  async settled(): Promise<void> {
    await Promise.all([...this.egresses.values()].map((record) => record.finished));
  }

  async stopAll(): Promise<void> {
    for (const record of this.egresses.values()) {
      this.clearTimers(record);
      if (record.finished === undefined) await record.recording?.abandon();
    }
    await this.settled();
  }

  /** The egress `egressId` names, or every egress when it is undefined. */
  private targets(egressId: string | undefined): EgressRecord[] {
    return egressId === undefined ? [...this.egresses.values()] : [this.require(egressId)];
  }

  /** Neither ending nor killed: its worker still runs it. */
  private isRunning(record: EgressRecord): boolean {
    return record.finished === undefined && record.killed === undefined;
  }

  private isRecording(record: EgressRecord): boolean {
    return this.isRunning(record) && record.info.status === EgressStatus.EGRESS_ACTIVE;
  }

  private require(egressId: string): EgressRecord {
    const record = this.egresses.get(egressId);
    if (record === undefined) throw livekitErrors.egressNotFound();
    return record;
  }

  /** The egress as livekit-server's store has it: not one it forgot. */
  private stored(egressId: string): EgressRecord {
    const record = this.require(egressId);
    if (record.forgotten) throw livekitErrors.egressNotFound();
    return record;
  }

  /**
   * Upstream egress holds a StopEgress until the recorder has launched, then aborts the egress;
   * livekit-server stops waiting for that answer after `timeoutMs`.
   */
  private async stopAfterLaunch(record: EgressRecord, timeoutMs: number): Promise<EgressInfo> {
    record.stopAsked = true;
    try {
      const [ended] = await once(this.endings, record.info.egressId, {
        signal: AbortSignal.timeout(timeoutMs),
      });
      return ended as EgressInfo;
    } catch (error) {
      if ((error as Error).name === 'AbortError') throw livekitErrors.requestTimedOut();
      throw error;
    }
  }

  private onRoomEvent(event: RoomEvent): void {
    for (const record of this.egresses.values()) {
      if (record.info.roomName !== event.room.name || !this.isRunning(record)) continue;
      if (event.type === 'track_published' && record.info.status === EgressStatus.EGRESS_STARTING) {
        this.scheduleActivation(record);
      }
      if (event.type === 'room_finished') {
        if (record.info.status === EgressStatus.EGRESS_STARTING) {
          this.end(record, egressEndings.startSignalNotReceived);
        } else {
          this.markEnding(record);
          this.end(record, egressEndings.sourceClosed);
        }
      }
    }
  }

  private scheduleActivation(record: EgressRecord): void {
    record.launching = true;
    this.addTimer(record, this.options.timing.activationDelayMs, () => {
      this.activate(record).catch((error: unknown) => {
        this.end(record, failedEnding((error as Error).message));
      });
    });
  }

  private async activate(record: EgressRecord): Promise<void> {
    if (
      record.info.status !== EgressStatus.EGRESS_STARTING ||
      record.recording !== undefined ||
      !this.isRunning(record)
    )
      return;
    const workDir = await mkdtemp(join(this.options.workDir, `${record.info.egressId}-`));
    const path = join(workDir, basename(record.file.filename));
    const request = record.info.request.value as RoomCompositeEgressRequest;
    const recording = request.audioOnly
      ? await TestToneRecording.start(path)
      : await TestPatternRecording.start(path, {
          fillerBytesPerSecond: this.options.timing.fillerBytesPerSecond,
        });
    if (
      record.info.status !== EgressStatus.EGRESS_STARTING ||
      !this.isRunning(record) ||
      record.stopAsked
    ) {
      await recording.abandon();
      await rm(workDir, { recursive: true, force: true });
      // Launched: the stop that waited for this aborts the egress now.
      if (record.stopAsked) this.end(record, egressEndings.stoppedBeforeStart);
      return;
    }
    this.clearTimers(record);
    const nowMs = Date.now();
    record.recording = recording;
    record.activeSinceMs = nowMs;
    record.info.status = EgressStatus.EGRESS_ACTIVE;
    record.info.updatedAt = msToNs(nowMs);
    record.file.startedAt = msToNs(nowMs);
    this.setRoomRecording(record, true);
    this.emit('egress_updated', record);
    const writer = setInterval(() => {
      // A write error resurfaces when the recording is finished, which then fails the egress.
      recording.writeUntil(Date.now() - nowMs).catch(() => undefined);
    }, this.options.timing.writeIntervalMs);
    writer.unref();
    record.timers.push(writer);
    if (this.options.timing.maxDurationMs > 0) {
      this.addTimer(record, this.options.timing.maxDurationMs, () =>
        this.reachLimit(record.info.egressId),
      );
    }
  }

  /** ENDING is reported at once (size 0, no location); the answer to StopEgress is this state. */
  private markEnding(record: EgressRecord): EgressInfo {
    const nowMs = Date.now();
    record.endingSinceMs = nowMs;
    record.info.status = EgressStatus.EGRESS_ENDING;
    record.info.updatedAt = msToNs(nowMs);
    this.emit('egress_updated', record);
    return record.info.clone();
  }

  private end(record: EgressRecord, ending: EgressEnding): void {
    if (!this.isRunning(record)) return;
    this.clearTimers(record);
    record.finished = this.finish(record, ending);
  }

  private async finish(record: EgressRecord, ending: EgressEnding): Promise<void> {
    const { info, file } = record;
    const recording = record.recording;
    let outcome = ending;
    if (recording !== undefined && ending.keepsFile) {
      const stoppedAtMs = record.endingSinceMs ?? Date.now();
      const startedAtMs = record.activeSinceMs ?? stoppedAtMs;
      try {
        await recording.finish(stoppedAtMs - startedAtMs, this.truncateFiles);
        await this.publishFile(record, recording.filePath, ending.writesManifest);
        file.endedAt = msToNs(stoppedAtMs);
        file.duration = file.endedAt - file.startedAt;
        file.size = BigInt((await stat(recording.filePath)).size);
      } catch (error) {
        outcome = failedEnding((error as Error).message);
      }
    } else {
      await recording?.abandon();
    }
    if (recording !== undefined)
      await rm(dirname(recording.filePath), { recursive: true, force: true });
    const nowMs = Date.now();
    info.status = outcome.status;
    info.endedAt = msToNs(nowMs);
    info.updatedAt = msToNs(nowMs);
    if (outcome.details !== undefined) info.details = outcome.details;
    if (outcome.error !== undefined) info.error = outcome.error;
    if (outcome.errorCode !== undefined) info.errorCode = outcome.errorCode;
    this.leaveRoom(record);
    this.emit('egress_ended', record);
  }

  /** The "Local" uploader: copy (not move) to the destination, parents created 0755. */
  private async publishFile(
    record: EgressRecord,
    recordedPath: string,
    withManifest: boolean,
  ): Promise<void> {
    const destination = record.destination;
    if (destination === undefined) {
      throw new Error(`open ${record.file.filename}: permission denied`);
    }
    await mkdir(dirname(destination), { recursive: true, mode: 0o755 });
    await copyFile(recordedPath, destination);
    record.file.location = destination;
    if (withManifest && record.writeManifest) {
      const manifest = join(dirname(destination), `${record.info.egressId}.json`);
      await writeFile(
        manifest,
        JSON.stringify({
          egress_id: record.info.egressId,
          room_id: record.info.roomId,
          room_name: record.info.roomName,
          files: [{ filename: record.file.filename, location: destination }],
        }),
      );
      record.info.manifestLocation = manifest;
    }
  }

  private setRoomRecording(record: EgressRecord, active: boolean): void {
    this.options.rooms.setActiveRecording(record.info.roomName, active);
  }

  /** The recorder leaves the room, which then shows no recording. */
  private leaveRoom(record: EgressRecord): void {
    this.setRoomRecording(record, false);
    this.options.rooms.leave(record.info.roomName, record.info.egressId);
  }

  private addTimer(record: EgressRecord, afterMs: number, run: () => void): void {
    const timer = setTimeout(run, afterMs);
    timer.unref();
    record.timers.push(timer);
  }

  private clearTimers(record: EgressRecord): void {
    for (const timer of record.timers) clearTimeout(timer);
    record.timers = [];
  }

  private emit(name: EgressEventName, record: EgressRecord): void {
    record.forgotten = false;
    this.options.onEvent(name, record.info.clone());
    if (name === 'egress_ended') this.endings.emit(record.info.egressId, record.info.clone());
  }
}
