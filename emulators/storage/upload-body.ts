import type { IncomingMessage } from 'node:http';

/** The injected faults an upload body passes through. */
export interface UploadBodyFaults {
  /** Reset the connection once this many body bytes have been handed on. */
  readonly resetAfterBytes?: number;
  /** Hand on this many bytes, swallow the rest, then fail with `status`. */
  readonly failure?: { readonly status: number; readonly afterBytes: number };
}

/** The connection was reset by a fault switch; there is no one left to answer. */
export class ConnectionResetByFault extends Error {
  constructor() {
    super('connection reset by a fault switch');
  }
}

/** The body was consumed and a fault switch wants this status answered. */
export class FailureByFault extends Error {
  constructor(readonly status: number) {
    super(`request failed by a fault switch with ${status}`);
  }
}

/**
 * A request body as chunks, with fault switches applied at exact byte offsets. Chunks are
 * pulled one at a time, so everything yielded before a reset has been persisted by the caller.
 */
export async function* uploadBody(
  req: IncomingMessage,
  faults: UploadBodyFaults = {},
): AsyncGenerator<Buffer> {
  const cutAt = faults.resetAfterBytes ?? faults.failure?.afterBytes;
  let handedOn = 0;
  if (cutAt === 0 && faults.resetAfterBytes !== undefined) resetConnection(req);
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (cutAt === undefined) {
      yield chunk;
      continue;
    }
    const room = cutAt - handedOn;
    if (room > 0) {
      const piece = chunk.length > room ? chunk.subarray(0, room) : chunk;
      handedOn += piece.length;
      yield piece;
    }
    if (handedOn >= cutAt && faults.resetAfterBytes !== undefined) resetConnection(req);
  }
  if (faults.failure !== undefined) throw new FailureByFault(faults.failure.status);
}

function resetConnection(req: IncomingMessage): never {
  req.socket.resetAndDestroy();
  throw new ConnectionResetByFault();
}
