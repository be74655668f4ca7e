import type { EgressInfo, EgressStatus } from 'livekit-server-sdk';

/** What the controller needs to know of an egress, as plain data (from a webhook or ListEgress). */
export interface EgressSnapshot {
  readonly egressId: string;
  readonly roomName: string;
  readonly status: EgressStatus;
  /** The path the egress was asked to write (its request), known from the start. */
  readonly requestedFilepath: string | undefined;
  readonly startedAtMs: number | undefined;
  readonly endedAtMs: number | undefined;
  readonly error: string | undefined;
  readonly details: string | undefined;
  readonly file: EgressFileResult | undefined;
}

export interface EgressFileResult {
  /** Where the egress container wrote the file (its own path, not necessarily ours). */
  readonly location: string;
  readonly filename: string;
  readonly sizeBytes: number;
  readonly durationMs: number;
}

const NS_PER_MS = 1_000_000n;
const msFromNs = (ns: bigint) => (ns > 0n ? Number(ns / NS_PER_MS) : undefined);
const nonEmpty = (text: string) => (text === '' ? undefined : text);

/** The edge between livekit-server-sdk's protobuf classes and our plain decisions. */
export function egressSnapshot(info: EgressInfo): EgressSnapshot {
  const request = info.request.case === 'roomComposite' ? info.request.value : undefined;
  const requestedFile =
    request?.fileOutputs[0] ?? (request?.output.case === 'file' ? request.output.value : undefined);
  const result = info.fileResults[0];
  return {
    egressId: info.egressId,
    roomName: info.roomName,
    status: info.status,
    requestedFilepath: requestedFile?.filepath,
    startedAtMs: msFromNs(info.startedAt),
    endedAtMs: msFromNs(info.endedAt),
    error: nonEmpty(info.error),
    details: nonEmpty(info.details),
    file:
      result === undefined
        ? undefined
        : {
            location: result.location,
            filename: result.filename,
            sizeBytes: Number(result.size),
            durationMs: Number(result.duration / NS_PER_MS),
          },
  };
}
