import { EgressStatus } from '@livekit/protocol';

/** How an egress ends: its final status and texts, and what becomes of its file. */
export interface EgressEnding {
  readonly status:
    | EgressStatus.EGRESS_COMPLETE
    | EgressStatus.EGRESS_FAILED
    | EgressStatus.EGRESS_ABORTED
    | EgressStatus.EGRESS_LIMIT_REACHED;
  readonly details?: string;
  readonly error?: string;
  readonly errorCode?: number;
  /** The file is finished and copied out first; a failure to do so ends the egress FAILED. */
  readonly keepsFile: boolean;
  /** With the file, `<egressId>.json` is written beside it (unless the request disabled it). */
  readonly writesManifest: boolean;
}

const startAborted = (error: string): EgressEnding => ({
  status: EgressStatus.EGRESS_ABORTED,
  error,
  errorCode: 412,
  keepsFile: false,
  writesManifest: false,
});

/** Every way an egress ends, with upstream egress's texts and codes. */
export const egressEndings = {
  stopped: {
    status: EgressStatus.EGRESS_COMPLETE,
    details: 'End reason: StopEgress API',
    keepsFile: true,
    writesManifest: true,
  },
  sourceClosed: {
    status: EgressStatus.EGRESS_COMPLETE,
    details: 'End reason: Source closed',
    keepsFile: true,
    writesManifest: true,
  },
  limitReached: {
    status: EgressStatus.EGRESS_LIMIT_REACHED,
    details: 'End reason: Session limit reached',
    error: 'Session limit reached',
    errorCode: 413,
    keepsFile: true,
    writesManifest: true,
  },
  // KillEgress on SIGINT: the file is finished and copied, then the egress fails, no manifest
  // (../../livekit-server/README.md, fault 4).
  shutDown: {
    status: EgressStatus.EGRESS_FAILED,
    details: 'End reason: Process killed',
    error: 'server is shutting down',
    errorCode: 403,
    keepsFile: true,
    writesManifest: false,
  },
  // The SDK source's room connection fails: the file and manifest are kept (fault 5 there).
  roomConnectionFailed: {
    status: EgressStatus.EGRESS_FAILED,
    details: 'End reason: Source closed',
    error: 'recording ended early: connection to room failed',
    errorCode: 503,
    keepsFile: true,
    writesManifest: true,
  },
  startSignalNotReceived: startAborted('Start signal not received'),
  stoppedBeforeStart: startAborted('Stop called before pipeline could start'),
} as const satisfies Record<string, EgressEnding>;

/** The pipeline failed: FAILED with `error`, and the file is dropped. */
export function failedEnding(error: string): EgressEnding {
  return {
    status: EgressStatus.EGRESS_FAILED,
    details: 'End reason: Failure',
    error,
    errorCode: 500,
    keepsFile: false,
    writesManifest: false,
  };
}
