import type { Message } from '@bufbuild/protobuf';

interface OneofValue {
  case?: string;
  value?: unknown;
}

/**
 * Go's protojson with `DiscardUnknown` treats an unknown enum name as an absent field.
 * protobuf-es drops the name too, but inside a oneof it leaves the case set with no value,
 * which later fails to serialise; this clears such oneofs, through nested messages.
 */
export function clearEmptyOneofs(message: Message): void {
  const fields = message as unknown as Record<string, unknown>;
  for (const field of message.getType().fields.list()) {
    if (field.oneof !== undefined) {
      const oneof = fields[field.oneof.localName] as OneofValue;
      if (oneof.case !== field.localName) continue;
      if (oneof.value === undefined) fields[field.oneof.localName] = { case: undefined };
      else if (field.kind === 'message') clearEmptyOneofs(oneof.value as Message);
      continue;
    }
    if (field.kind !== 'message') continue;
    const value = fields[field.localName];
    if (Array.isArray(value)) for (const item of value) clearEmptyOneofs(item as Message);
    else if (value !== undefined) clearEmptyOneofs(value as Message);
  }
}
