import type { Message, MessageType } from '@bufbuild/protobuf';
import type { Caller } from './caller-permissions.js';

/** One RPC: the request's protobuf type and what the server does with it. */
export interface TwirpMethod {
  readonly input: MessageType;
  readonly handle: (input: Message, caller: Caller) => Message | Promise<Message>;
}

export function twirpMethod<I extends Message<I>>(
  input: MessageType<I>,
  handle: (input: I, caller: Caller) => Message | Promise<Message>,
): TwirpMethod {
  return {
    input: input as unknown as MessageType,
    handle: (message, caller) => handle(message as I, caller),
  };
}

/** A Twirp service: its implemented methods, and the real ones the emulator does not model. */
export interface TwirpService {
  readonly methods: Readonly<Record<string, TwirpMethod>>;
  readonly notEmulated: readonly string[];
}
