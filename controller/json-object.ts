/** A JSON object as the Firebase SDKs hand it back: its children by key. */
export type JsonObject = Record<string, unknown>;

/**
 * Whether `value` is an object of children. Arrays pass: the Realtime Database hands back a
 * node whose keys are all small integers as an array, and it is still such a node.
 */
export const isJsonObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null;

/** Whether `value` is a JSON object and not an array: what a JWT segment or protobuf JSON is. */
export const isPlainJsonObject = (value: unknown): value is JsonObject =>
  isJsonObject(value) && !Array.isArray(value);
