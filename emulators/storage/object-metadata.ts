import { z } from 'zod';
import { invalid } from './gcs-error.js';

const customValue = z.union([z.string(), z.number(), z.boolean()]).transform(String);

/**
 * The writable fields of an object resource, as clients send them when creating an object
 * (resumable session body, multipart metadata part). Unknown fields (acl, kmsKeyName...)
 * are accepted and ignored, as the Firebase emulator does.
 */
export const ObjectCreateFields = z.object({
  name: z.string().optional(),
  contentType: z.string().optional(),
  contentEncoding: z.string().optional(),
  contentDisposition: z.string().optional(),
  contentLanguage: z.string().optional(),
  cacheControl: z.string().optional(),
  metadata: z.record(z.string(), customValue).nullish(),
});
export type ObjectCreateFields = z.infer<typeof ObjectCreateFields>;

/** A PATCH body: top-level fields replace (null clears); `metadata` merges key by key, null deletes. */
export const ObjectPatch = z.object({
  contentType: z.string().nullish(),
  contentEncoding: z.string().nullish(),
  contentDisposition: z.string().nullish(),
  contentLanguage: z.string().nullish(),
  cacheControl: z.string().nullish(),
  metadata: z.record(z.string(), customValue.nullable()).nullish(),
});
export type ObjectPatch = z.infer<typeof ObjectPatch>;

/** Parses a JSON request body with `schema`; an empty body is `{}`, as GCS treats it. */
export function parseJsonBody<T>(text: string, schema: z.ZodType<T>): T {
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = JSON.parse(text);
    } catch {
      throw invalid('Parse Error: the request body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw invalid(`Invalid request body: ${parsed.error.issues[0]?.message ?? 'not an object'}`);
  }
  return parsed.data;
}
