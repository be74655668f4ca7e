import { createRequire } from 'node:module';
import type { Path } from './path.js';
import { RuleDataSnapshot } from './rule-snapshot.js';
import type { TreeView } from './tree-view.js';

/** A parsed rule expression (targaryen's parser output). */
interface Rule {
  evaluate(state: Record<string, unknown>): unknown;
}

/** targaryen's RulesetNode: named children are own properties, plus one optional wildchild. */
interface RulesetNode {
  readonly $name: string | undefined;
  readonly $read: Rule | null;
  readonly $write: Rule | null;
  readonly $validate: Rule | null;
  readonly $wildchild: RulesetNode | null;
}

const require = createRequire(import.meta.url);
const targaryenRuleset = require('targaryen/lib/database/ruleset.js') as {
  create(definition: unknown): { root: RulesetNode };
};
const targaryenQuery = require('targaryen/lib/database/query.js') as {
  create(options: Record<string, unknown>): unknown;
};
const firebaseJson = require('firebase-json') as { parse(text: string): unknown };

export const DEFAULT_RULES_SOURCE = '{"rules":{".read":true,".write":true}}';

export class RulesError extends Error {
  readonly code = 'invalid_rules';
}

/** One namespace's rules: the source text as uploaded, and the tree parsed once from it. */
export interface CompiledRules {
  readonly source: string;
  readonly json: unknown;
  readonly root: RulesetNode;
}

/** Parses rules text (comments allowed, as the emulator accepts); throws RulesError when invalid. */
export function compileRules(source: string): CompiledRules {
  let json: unknown;
  try {
    json = firebaseJson.parse(source);
  } catch (error) {
    throw new RulesError(`Rules are not valid JSON: ${(error as Error).message}`);
  }
  try {
    return { source, json, root: targaryenRuleset.create(json).root };
  } catch (error) {
    throw new RulesError((error as Error).message);
  }
}

function childRules(
  rules: RulesetNode,
  key: string,
  vars: Record<string, string>,
): { rules: RulesetNode; vars: Record<string, string> } | undefined {
  if (Object.hasOwn(rules, key)) {
    return { rules: (rules as unknown as Record<string, RulesetNode>)[key] as RulesetNode, vars };
  }
  const wild = rules.$wildchild;
  if (wild === null) return undefined;
  return { rules: wild, vars: { ...vars, [wild.$name as string]: key } };
}

const hasNamedChildren = (rules: RulesetNode): boolean =>
  rules.$wildchild !== null || Object.keys(rules).some((key) => !key.startsWith('$'));

/** A rule that throws (type error, missing property use) counts as false, as in the real server. */
function passes(rule: Rule, state: Record<string, unknown>): boolean {
  try {
    return rule.evaluate(state) === true;
  } catch {
    return false;
  }
}

export interface RuleContext {
  readonly auth: Record<string, unknown> | null;
  readonly now: number;
}

/** `.read` cascades: allowed if any rule from the root down to `path` grants it. */
export function canRead(
  compiled: CompiledRules,
  tree: TreeView,
  path: Path,
  context: RuleContext,
  query: Record<string, unknown>,
): boolean {
  const base = {
    auth: context.auth,
    now: context.now,
    root: new RuleDataSnapshot(tree, []),
    query: targaryenQuery.create(query),
  };
  let rules: RulesetNode | undefined = compiled.root;
  let vars: Record<string, string> = {};
  for (let depth = 0; rules !== undefined; depth++) {
    const current = path.slice(0, depth);
    if (
      rules.$read !== null &&
      passes(rules.$read, { ...base, ...vars, data: new RuleDataSnapshot(tree, current) })
    ) {
      return true;
    }
    if (depth === path.length) return false;
    const next = childRules(rules, path[depth] as string, vars);
    rules = next?.rules;
    vars = next?.vars ?? vars;
  }
  return false;
}

/**
 * `.write` cascades from the root; every `.validate` on the way down, at the location and below
 * it, must pass wherever the new data is non-null (targaryen's tryWrite, over TreeViews).
 */
export function canWrite(
  compiled: CompiledRules,
  before: TreeView,
  after: TreeView,
  path: Path,
  context: RuleContext,
): boolean {
  const base = { auth: context.auth, now: context.now, root: new RuleDataSnapshot(before, []) };
  const stateAt = (at: Path, vars: Record<string, string>) => ({
    ...base,
    ...vars,
    data: new RuleDataSnapshot(before, at),
    newData: new RuleDataSnapshot(after, at),
  });
  let permitted = false;
  let rules: RulesetNode | undefined = compiled.root;
  let vars: Record<string, string> = {};
  for (let depth = 0; rules !== undefined && depth <= path.length; depth++) {
    const current = path.slice(0, depth);
    const exists = after.exists(current);
    if (permitted && !exists) break;
    const state = stateAt(current, vars);
    if (!permitted && rules.$write !== null) permitted = passes(rules.$write, state);
    if (exists && rules.$validate !== null && !passes(rules.$validate, state)) return false;
    if (depth === path.length) {
      return permitted && validateBelow(rules, current, vars, after, stateAt);
    }
    const next = childRules(rules, path[depth] as string, vars);
    rules = next?.rules;
    vars = next?.vars ?? vars;
  }
  return permitted;
}

function validateBelow(
  rules: RulesetNode,
  at: Path,
  vars: Record<string, string>,
  after: TreeView,
  stateAt: (at: Path, vars: Record<string, string>) => Record<string, unknown>,
): boolean {
  if (!hasNamedChildren(rules)) return true;
  const node = after.nodeAt(at);
  if (node?.kind !== 'branch') return true;
  for (const key of node.children.keys()) {
    const next = childRules(rules, key, vars);
    if (next === undefined) continue;
    const childPath = [...at, key];
    if (
      next.rules.$validate !== null &&
      !passes(next.rules.$validate, stateAt(childPath, next.vars))
    ) {
      return false;
    }
    if (!validateBelow(next.rules, childPath, next.vars, after, stateAt)) return false;
  }
  return true;
}
