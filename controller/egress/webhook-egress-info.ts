import { EgressInfo, RoomCompositeEgressRequest } from 'livekit-server-sdk';
import { isPlainJsonObject } from '../json-object.js';

type FieldList = { list(): readonly { localName: string; jsonName: string; name: string }[] };

/** The keys protojson allows for these fields: the JSON name and the proto name. */
function keysOf(fields: FieldList, localNames: readonly string[]): readonly string[] {
  return localNames.flatMap((localName) => {
    const field = fields.list().find((candidate) => candidate.localName === localName);
    if (field === undefined) throw new Error(`livekit-server-sdk has no field ${localName}`);
    return field.jsonName === field.name ? [field.name] : [field.jsonName, field.name];
  });
}

/** What `egressSnapshot` reads of an EgressInfo, and of its Room Composite request. */
const EGRESS_KEYS = keysOf(EgressInfo.fields, [
  'egressId',
  'roomName',
  'status',
  'roomComposite',
  'startedAt',
  'endedAt',
  'error',
  'details',
  'fileResults',
]);
const REQUEST_KEYS = keysOf(RoomCompositeEgressRequest.fields, ['fileOutputs', 'file']);
const ROOM_COMPOSITE_KEYS = keysOf(EgressInfo.fields, ['roomComposite']);

function pick(json: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const key of keys) if (json[key] !== undefined) picked[key] = json[key];
  return picked;
}

type ProtobufJson = Parameters<typeof EgressInfo.fromJson>[0];

/**
 * A webhook's `egressInfo` (protobuf JSON) decoded as livekit-server-sdk's EgressInfo, with
 * only the fields the controller reads. LiveKit sends the whole egress, its request's encoding
 * options and every output included: decoding all of it was most of an `egress_updated`
 * webhook's cost (bench/README.md), for fields nothing here looks at. Throws as `fromJson` does
 * when a field that is read is malformed.
 */
export function egressInfoFromWebhook(json: unknown): EgressInfo {
  // Anything but an object is left to fromJson, which refuses it.
  if (!isPlainJsonObject(json)) return EgressInfo.fromJson(json as ProtobufJson);
  const picked = pick(json, EGRESS_KEYS);
  for (const key of ROOM_COMPOSITE_KEYS) {
    const request = picked[key];
    if (isPlainJsonObject(request)) picked[key] = pick(request, REQUEST_KEYS);
  }
  return EgressInfo.fromJson(picked as ProtobufJson, { ignoreUnknownFields: true });
}
