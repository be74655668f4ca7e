import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child-process.js';

/** The worker's fault switches (see README.md, "Faults"). */
export interface EgressWorkerFaults {
  /** Chrome's launch time before ACTIVE; a stop meanwhile waits for it, then ends ABORTED. */
  readonly startDelayMs?: number;
  /** Audio-only egresses end FAILED (room connection lost) with their file complete. */
  readonly audioOnlyFails?: boolean;
  /** How long an audio-only egress records before its room connection is lost. */
  readonly audioOnlyFailAfterMs?: number;
  /** Admission refuses every request for CPU, as a busy worker does. */
  readonly refuseCpu?: boolean;
  /** Go ACTIVE only once the room has a publisher, as a room composite's Chrome does. */
  readonly awaitPublisher?: boolean;
}

/** The worker's switches when nothing is broken. */
const NO_FAULTS: Required<EgressWorkerFaults> = {
  startDelayMs: 0,
  audioOnlyFails: false,
  audioOnlyFailAfterMs: 1_000,
  refuseCpu: false,
  awaitPublisher: true,
};

export interface EgressWorkerOptions {
  readonly binary: string;
  readonly redisAddress: string;
  readonly livekitUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /**
   * The directory that stands for the egress container's `/` (default `/`: a requested path is
   * written where it says). A scale-out gives each worker its own, as each VM has its volume.
   */
  readonly root?: string;
  readonly faults?: EgressWorkerFaults;
}

export interface EgressWorker {
  readonly nodeId: string;
  /** False once it exited (killed, interrupted or stopped). */
  running(): boolean;
  /** Replaces every switch: those left out are back to normal. */
  setFaults(faults: EgressWorkerFaults): Promise<void>;
  /** SIGKILL: the worker dies without reporting anything (an OOM kill). */
  kill(): Promise<void>;
  /** SIGINT, as `docker compose stop` sends: every job ends, then it exits. */
  interrupt(): Promise<void>;
  output(): string;
  stop(): Promise<void>;
}

interface ReadyLine {
  readonly ready: true;
  readonly control: string;
  readonly nodeId: string;
}

function readyLine(line: string): ReadyLine | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(line) as Partial<ReadyLine>;
    return parsed.ready === true && typeof parsed.control === 'string'
      ? (parsed as ReadyLine)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the worker (README.md beside this file) and waits until it is registered on the bus. */
export async function startEgressWorker(options: EgressWorkerOptions): Promise<EgressWorker> {
  // Where recordings grow before the copy: the container's own disk, gone with the worker.
  const tmpDir = await mkdtemp(join(tmpdir(), 'egress-worker-'));
  const started = await startChild({
    name: 'egress-worker',
    command: options.binary,
    args: [
      '--redis',
      options.redisAddress,
      '--url',
      options.livekitUrl,
      '--root',
      options.root ?? '/',
      '--tmp-dir',
      tmpDir,
      '--control-addr',
      '127.0.0.1:0',
    ],
    // The secret goes by environment, not by argument: arguments are visible to every user.
    env: {
      ...process.env,
      LIVEKIT_API_KEY: options.apiKey,
      LIVEKIT_API_SECRET: options.apiSecret,
    },
    readyWhen: readyLine,
    timeoutMs: 20_000,
  }).catch(async (error: unknown) => {
    await rm(tmpDir, { recursive: true, force: true });
    throw error;
  });
  const { child, ready } = started;
  const control = `http://${ready.control}`;
  const setFaults = async (faults: EgressWorkerFaults) => {
    const response = await fetch(`${control}/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // The worker keeps a switch left out; the caller means "these faults, no others".
      body: JSON.stringify({ ...NO_FAULTS, ...faults }),
    });
    if (!response.ok) throw new Error(`egress worker refused faults: ${response.status}`);
  };
  if (options.faults !== undefined) await setFaults(options.faults);
  return {
    nodeId: ready.nodeId,
    running: () => child.process.exitCode === null && child.process.signalCode === null,
    setFaults,
    kill: () => child.stop('SIGKILL'),
    interrupt: () => child.stop('SIGINT', 30_000),
    output: child.output,
    async stop() {
      // SIGTERM would let recordings run to their end; a test's clean-up ends them now.
      await child.stop('SIGINT', 10_000);
      await rm(tmpDir, { recursive: true, force: true });
    },
  };
}
