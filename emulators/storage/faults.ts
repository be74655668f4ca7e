/** What a request does, as the fault switches and the request log name it. */
export type RequestKind =
  | 'bucket-get'
  | 'object-list'
  | 'object-metadata'
  | 'object-media'
  | 'object-patch'
  | 'object-delete'
  | 'upload-start'
  | 'upload-put'
  | 'upload-cancel'
  | 'upload-multipart'
  | 'upload-media'
  | 'firebase-metadata'
  | 'firebase-media'
  | 'firebase-write'
  | 'signed-url-media'
  | 'cors-preflight'
  | 'not-implemented';

export interface FailRequestsOptions {
  /** Only requests of these kinds count (default: every request). */
  readonly only?: readonly RequestKind[];
  /** For uploads: persist this many bytes of the body before failing (default 0). */
  readonly afterBytes?: number;
}

export interface LatencyOptions {
  /** How many requests are delayed (default: every request until `clear()`). */
  readonly count?: number;
  readonly only?: readonly RequestKind[];
}

/** One fault that fired, for tests that want to be sure the wire was broken where they meant. */
/** A stalled upload: `reached` resolves when the stall begins; `release()` lets the body flow again. */
export interface UploadStall {
  readonly reached: Promise<void>;
  release(): void;
}

export interface FiredFault {
  readonly fault:
    | 'fail'
    | 'reset'
    | 'stall'
    | 'lose-final-response'
    | 'latency'
    | 'corrupt-checksum';
  readonly kind: RequestKind;
}

/** The server side of an `UploadStall`. */
export interface ArmedStall extends UploadStall {
  readonly released: Promise<void>;
  begin(): void;
}

interface CountedRule {
  remaining: number;
  readonly only: readonly RequestKind[] | undefined;
}

const applies = (rule: CountedRule, kind: RequestKind) =>
  rule.remaining > 0 && (rule.only === undefined || rule.only.includes(kind));

const UPLOAD_BODY_KINDS: readonly RequestKind[] = [
  'upload-put',
  'upload-multipart',
  'upload-media',
];

/**
 * In-process switches that break the wire the way networks and GCS do, so tests can watch the
 * real client's reaction. Each switch arms a number of future requests and disarms itself.
 */
export class StorageFaults {
  private failures: (CountedRule & { status: number; afterBytes: number })[] = [];
  private resets: (CountedRule & { afterBytes: number })[] = [];
  private stalls: (CountedRule & { afterBytes: number; stall: ArmedStall })[] = [];
  private lostFinalResponses = 0;
  private corruptChecksums = 0;
  private latencies: (CountedRule & { ms: number })[] = [];
  readonly fired: FiredFault[] = [];

  /** Answers the next `count` matching requests with `status` and GCS's error body. */
  failNextRequests(count: number, status: number, options: FailRequestsOptions = {}): void {
    this.failures.push({
      remaining: count,
      status,
      only: options.only,
      afterBytes: options.afterBytes ?? 0,
    });
  }

  /**
   * Resets the TCP connection (RST) of the next `count` upload requests once `afterBytes`
   * bytes of their body are persisted. The client sees ECONNRESET.
   */
  resetUploadAfterBytes(afterBytes: number, count = 1): void {
    this.resets.push({ remaining: count, only: UPLOAD_BODY_KINDS, afterBytes });
  }

  /**
   * The next upload request stops reading its body once `afterBytes` bytes are persisted, until
   * `release()` or until the client goes away (or a new request on the session supersedes it):
   * a stalled network as a progress watchdog sees it.
   */
  stallUploadAfterBytes(afterBytes: number): UploadStall {
    let begin = () => {};
    const reached = new Promise<void>((resolve) => {
      begin = resolve;
    });
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const stall: ArmedStall = { reached, release, released, begin };
    this.stalls.push({ remaining: 1, only: UPLOAD_BODY_KINDS, afterBytes, stall });
    return { reached, release };
  }

  /** The next upload that completes an object commits it, then drops the connection unanswered. */
  loseNextFinalResponse(count = 1): void {
    this.lostFinalResponses += count;
  }

  /** The next finished upload answers with a wrong `crc32c` and `md5Hash` (the object is stored intact). */
  corruptNextChecksum(count = 1): void {
    this.corruptChecksums += count;
  }

  /** Delays matching requests by `ms` before they are handled. */
  addLatency(ms: number, options: LatencyOptions = {}): void {
    this.latencies.push({
      remaining: options.count ?? Number.POSITIVE_INFINITY,
      only: options.only,
      ms,
    });
  }

  /** Disarms every switch. */
  clear(): void {
    this.failures = [];
    this.resets = [];
    for (const { stall } of this.stalls) stall.release();
    this.stalls = [];
    this.latencies = [];
    this.lostFinalResponses = 0;
    this.corruptChecksums = 0;
  }

  takeFailure(kind: RequestKind): { status: number; afterBytes: number } | undefined {
    const rule = this.failures.find((candidate) => applies(candidate, kind));
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    this.fired.push({ fault: 'fail', kind });
    return { status: rule.status, afterBytes: rule.afterBytes };
  }

  takeReset(kind: RequestKind): number | undefined {
    const rule = this.resets.find((candidate) => applies(candidate, kind));
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    this.fired.push({ fault: 'reset', kind });
    return rule.afterBytes;
  }

  takeStall(kind: RequestKind): { afterBytes: number; stall: ArmedStall } | undefined {
    const rule = this.stalls.find((candidate) => applies(candidate, kind));
    if (rule === undefined) return undefined;
    rule.remaining -= 1;
    this.fired.push({ fault: 'stall', kind });
    return { afterBytes: rule.afterBytes, stall: rule.stall };
  }

  takeLatency(kind: RequestKind): number {
    const rule = this.latencies.find((candidate) => applies(candidate, kind));
    if (rule === undefined) return 0;
    rule.remaining -= 1;
    this.fired.push({ fault: 'latency', kind });
    return rule.ms;
  }

  takeLostFinalResponse(kind: RequestKind): boolean {
    if (this.lostFinalResponses === 0) return false;
    this.lostFinalResponses -= 1;
    this.fired.push({ fault: 'lose-final-response', kind });
    return true;
  }

  takeCorruptChecksum(kind: RequestKind): boolean {
    if (this.corruptChecksums === 0) return false;
    this.corruptChecksums -= 1;
    this.fired.push({ fault: 'corrupt-checksum', kind });
    return true;
  }
}
