import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { ArmedStall } from './faults.js';

/** The injected faults an upload body passes through. */
export interface UploadBodyFaults {
  /** Reset the connection once this many body bytes have been handed on. */
  readonly resetAfterBytes?: number;
  /** Hand on this many bytes, swallow the rest, then fail with `status`. */
  readonly failure?: { readonly status: number; readonly afterBytes: number };
  /** Stop reading once this many bytes have been handed on, until released or disconnected. */
  readonly stall?: { readonly afterBytes: number; readonly stall: ArmedStall };
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
  const { resetAfterBytes, failure, stall } = faults;
  const cutAt = resetAfterBytes ?? failure?.afterBytes ?? stall?.afterBytes;
  const body = req as AsyncIterable<Buffer>;
  if (cutAt === undefined) {
    yield* body;
    return;
  }
  if (resetAfterBytes === 0) resetConnection(req);
  let handedOn = 0;
  let flowing = false;
  for await (const chunk of body) {
    if (flowing) {
      yield chunk;
      continue;
    }
    const room = Math.max(0, cutAt - handedOn);
    const head = chunk.subarray(0, room);
    if (head.length > 0) {
      handedOn += head.length;
      yield head;
    }
    if (handedOn < cutAt) continue;
    if (resetAfterBytes !== undefined) resetConnection(req);
    if (stall !== undefined) {
      await holdUntilReleased(req, stall.stall);
      flowing = true;
      const tail = chunk.subarray(room);
      if (tail.length > 0) yield tail;
    }
    // A failure swallows the rest of the body, then answers its status.
  }
  if (failure !== undefined) throw new FailureByFault(failure.status);
}

async function holdUntilReleased(req: IncomingMessage, stall: ArmedStall): Promise<void> {
  stall.begin();
  const gone = once(req, 'close');
  await Promise.race([stall.released, gone]);
}

function resetConnection(req: IncomingMessage): never {
  req.socket.resetAndDestroy();
  throw new ConnectionResetByFault();
}
