import { conditionNotMet, invalid } from './gcs-error.js';

/** The generation preconditions GCS takes as query parameters; `ifGenerationMatch=0` means "must not exist". */
export interface Preconditions {
  readonly ifGenerationMatch?: string;
  readonly ifGenerationNotMatch?: string;
  readonly ifMetagenerationMatch?: string;
  readonly ifMetagenerationNotMatch?: string;
}

const NAMES = [
  'ifGenerationMatch',
  'ifGenerationNotMatch',
  'ifMetagenerationMatch',
  'ifMetagenerationNotMatch',
] as const;

export function preconditionsFrom(query: URLSearchParams): Preconditions {
  const found: Record<string, string> = {};
  for (const name of NAMES) {
    const value = query.get(name);
    if (value === null) continue;
    if (!/^\d+$/.test(value)) throw invalid(`Invalid value for ${name}: ${value}`);
    found[name] = String(BigInt(value));
  }
  return found;
}

/** Throws 412 unless the current object (undefined when absent) satisfies every precondition. */
export function assertPreconditions(
  current: { readonly generation: string; readonly metageneration: number } | undefined,
  conditions: Preconditions,
): void {
  const generation = current?.generation ?? '0';
  const { ifGenerationMatch, ifGenerationNotMatch, ifMetagenerationMatch } = conditions;
  if (ifGenerationMatch !== undefined && ifGenerationMatch !== generation) throw conditionNotMet();
  if (ifGenerationNotMatch !== undefined && ifGenerationNotMatch === generation) {
    throw conditionNotMet();
  }
  const metageneration = current === undefined ? undefined : String(current.metageneration);
  if (ifMetagenerationMatch !== undefined && ifMetagenerationMatch !== metageneration) {
    throw conditionNotMet();
  }
  const { ifMetagenerationNotMatch } = conditions;
  if (ifMetagenerationNotMatch !== undefined && ifMetagenerationNotMatch === metageneration) {
    throw conditionNotMet();
  }
}
