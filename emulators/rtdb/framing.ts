/** The SDK's WEBSOCKET_MAX_FRAME_SIZE: longer messages go out as a count frame and chunks. */
export const MAX_FRAME_CHARS = 16384;

/** Splits one outgoing message into the frames the client reassembles. */
export function framesFor(message: string): string[] {
  if (message.length <= MAX_FRAME_CHARS) return [message];
  const frames = [String(Math.ceil(message.length / MAX_FRAME_CHARS))];
  for (let start = 0; start < message.length; start += MAX_FRAME_CHARS) {
    frames.push(message.slice(start, start + MAX_FRAME_CHARS));
  }
  return frames;
}

export class FrameTooLargeError extends Error {
  readonly code = 'too_big';
}

/**
 * Reassembles incoming frames: a frame of at most 6 digits announces how many frames the next
 * message spans; `0` is the client's keepalive and is ignored.
 */
export class FrameAssembler {
  private expected = 0;
  private parts: string[] = [];
  private size = 0;

  constructor(private readonly maxMessageChars: number) {}

  /** Returns a complete message, or undefined while one is still arriving. */
  accept(frame: string): string | undefined {
    if (this.expected > 0) {
      this.parts.push(frame);
      this.size += frame.length;
      if (this.size > this.maxMessageChars) throw new FrameTooLargeError('Message too large');
      if (this.parts.length < this.expected) return undefined;
      const message = this.parts.join('');
      this.expected = 0;
      this.parts = [];
      this.size = 0;
      return message;
    }
    if (frame.length <= 6 && /^\d+$/.test(frame)) {
      this.expected = Number(frame);
      return undefined;
    }
    if (frame.length > this.maxMessageChars) throw new FrameTooLargeError('Message too large');
    return frame;
  }
}
