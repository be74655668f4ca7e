/**
 * A strict reader of the Prometheus text exposition format 0.0.4, line by line (no parser in
 * our dependencies, and prom-client only writes): every line must be a HELP, a TYPE or a
 * sample of a declared family, or the read throws naming the line.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The one sample of `name` whose labels include `labels`; undefined when there is none. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
// Prometheus reads values with Go's ParseFloat: Inf and NaN in any case (prom-client writes Nan).
const VALUE =
  '(?:[+-]?[iI][nN][fF](?:[iI][nN][iI][tT][yY])?|[nN][aA][nN]|[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
const HELP = new RegExp(`^# HELP (${NAME}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(
  `^(${NAME})(?:\\{((?:${LABEL_NAME}=${LABEL_VALUE})(?:,${LABEL_NAME}=${LABEL_VALUE})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`,
);
const LABEL = new RegExp(`(${LABEL_NAME})=(${LABEL_VALUE})`, 'g');

const unquote = (quoted: string) =>
  quoted
    .slice(1, -1)
    .replace(/\\(["\\n])/g, (_match, char: string) => (char === 'n' ? '\n' : char));

function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  const type = types.get(base);
  return type === 'histogram' || type === 'summary' ? base : undefined;
}

export function readExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    if (line === '') return;
    if (line.startsWith('# HELP ')) {
      if (!HELP.test(line)) throw new Error(`malformed HELP, ${where}`);
      return;
    }
    if (line.startsWith('# TYPE ')) {
      const match = TYPE.exec(line);
      if (match === null) throw new Error(`malformed TYPE, ${where}`);
      const [, name = '', type = ''] = match;
      if (types.has(name)) throw new Error(`second TYPE for ${name}, ${where}`);
      types.set(name, type);
      return;
    }
    if (line.startsWith('#')) return;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`malformed sample, ${where}`);
    const [, name = '', labelText = '', valueText = ''] = match;
    const family = familyOf(name, types);
    if (family === undefined) throw new Error(`sample of an undeclared family, ${where}`);
    const labels: Record<string, string> = {};
    for (const [, label = '', quoted = ''] of labelText.matchAll(LABEL)) {
      if (label in labels) throw new Error(`label ${label} twice, ${where}`);
      labels[label] = unquote(quoted);
    }
    if (name.endsWith('_bucket') && types.get(family) === 'histogram' && !('le' in labels))
      throw new Error(`histogram bucket without le, ${where}`);
    const lower = valueText.toLowerCase();
    const value =
      lower === 'nan'
        ? Number.NaN
        : /inf/.test(lower)
          ? (lower.startsWith('-') ? -1 : 1) * Number.POSITIVE_INFINITY
          : Number(valueText);
    samples.push({ name, labels, value });
  });
  return {
    types,
    samples,
    value(name, wanted = {}) {
      const matching = samples.filter(
        (sample) =>
          sample.name === name &&
          Object.entries(wanted).every(([key, value]) => sample.labels[key] === value),
      );
      if (matching.length > 1) throw new Error(`${name} ${JSON.stringify(wanted)} is ambiguous`);
      return matching[0]?.value;
    },
  };
}
