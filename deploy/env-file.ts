/**
 * Reads an env file the way `docker compose --env-file` does for our purposes, but keeps each
 * value's text as written (no escape expansion), so preflight can see whether the private key
 * kept its literal `\n` sequences.
 */
export interface EnvFile {
  readonly values: Readonly<Record<string, string>>;
  /** Variables whose quoted value spans several lines (a pasted multi-line key). */
  readonly multiline: readonly string[];
}

const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/;

export function parseEnvFile(text: string): EnvFile {
  const values: Record<string, string> = {};
  const multiline: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let index = 0; index < lines.length; index++) {
    const match = ASSIGNMENT.exec(lines[index] ?? '');
    if (match === null) continue;
    const name = match[1] as string;
    let value = (match[2] as string).trim();
    const quote = value[0];
    if (quote === '"' || quote === "'") {
      // A quoted value ends at its closing quote, possibly lines later.
      while (!(value.length > 1 && value.endsWith(quote)) && index + 1 < lines.length) {
        value += `\n${lines[++index]}`;
        if (!multiline.includes(name)) multiline.push(name);
      }
      value = value.slice(1, value.endsWith(quote) && value.length > 1 ? -1 : undefined);
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    values[name] = value;
  }
  return { values, multiline };
}
