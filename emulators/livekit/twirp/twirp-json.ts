import type { Message } from '@bufbuild/protobuf';
import { isPlainObject, type PlainObject } from '../../harness/plain-object.js';

/**
 * A response as twirp's Go JSON marshaler writes it (`UseProtoNames`, `EmitUnpopulated`):
 * proto field names, every field present, and an unset message field as `null`, which
 * protobuf-es leaves out.
 */
export function toTwirpJson(message: Message): PlainObject {
  const json = message.toJson({ useProtoFieldName: true, emitDefaultValues: true });
  if (!isPlainObject(json)) throw new Error('a Twirp response is a JSON object');
  addUnsetMessages(message, json);
  return json;
}

function addUnsetMessages(message: Message, json: PlainObject): void {
  const fields = message as unknown as Record<string, unknown>;
  for (const field of message.getType().fields.list()) {
    if (field.kind !== 'message') continue;
    let value: unknown;
    if (field.oneof !== undefined) {
      const oneof = fields[field.oneof.localName] as { case?: string; value?: unknown };
      // An unset oneof member is left out, also by Go.
      if (oneof.case !== field.localName) continue;
      value = oneof.value;
    } else {
      value = fields[field.localName];
    }
    const encoded = json[field.name];
    if (value === undefined) {
      json[field.name] = null;
    } else if (Array.isArray(value) && Array.isArray(encoded)) {
      value.forEach((item, index) => {
        const encodedItem = encoded[index];
        if (isPlainObject(encodedItem)) addUnsetMessages(item as Message, encodedItem);
      });
    } else if (isPlainObject(encoded)) {
      addUnsetMessages(value as Message, encoded);
    }
  }
}
