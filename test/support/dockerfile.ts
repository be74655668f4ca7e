/** A small Dockerfile parser for tests: instructions grouped by build stage. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  // Backslash-newline continues an instruction; comment lines inside it are dropped.
  const logical = text
    .split(/\r?\n/)
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of logical) {
    const match = /^(\S+)\s+([\s\S]*)$/.exec(line);
    if (match === null) throw new Error(`Not an instruction: ${line}`);
    const keyword = (match[1] as string).toUpperCase();
    const args = (match[2] as string).trim();
    if (keyword === 'FROM') {
      const [from, as, name] = args.split(/\s+/);
      stages.push({
        from: from as string,
        name: as?.toUpperCase() === 'AS' ? name : undefined,
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`${keyword} before FROM`);
    stage.instructions.push({ keyword, args });
  }
  return stages;
}

/** The exec-form (JSON array) arguments of CMD, ENTRYPOINT or HEALTHCHECK ... CMD. */
export function execForm(args: string): string[] {
  const json = args.slice(args.indexOf('['));
  return JSON.parse(json) as string[];
}
