import { toPlain } from './data-node.js';
import type { Path } from './path.js';
import type { TreeView } from './tree-view.js';

const splitChildPath = (childPath: string): string[] =>
  childPath.split('/').filter((key) => key !== '');

/**
 * What rules see as `root`, `data` and `newData`: targaryen's RuleDataSnapshot methods over a
 * TreeView, so no rule evaluation copies the tree. (targaryen reads the class name at runtime.)
 */
export class RuleDataSnapshot {
  constructor(
    private readonly view: TreeView,
    private readonly path: Path,
  ) {}

  val(): unknown {
    return toPlain(this.view.nodeAt(this.path));
  }

  child(childPath: string): RuleDataSnapshot {
    if (typeof childPath !== 'string') throw new Error('child() takes a string');
    return new RuleDataSnapshot(this.view, [...this.path, ...splitChildPath(childPath)]);
  }

  parent(): RuleDataSnapshot {
    if (this.path.length === 0) throw new Error('The root has no parent');
    return new RuleDataSnapshot(this.view, this.path.slice(0, -1));
  }

  hasChild(childPath: string): boolean {
    if (typeof childPath !== 'string') throw new Error('hasChild() takes a string');
    const keys = splitChildPath(childPath);
    return keys.length > 0 && this.view.exists([...this.path, ...keys]);
  }

  hasChildren(names?: readonly string[]): boolean {
    if (names === undefined) return this.view.nodeAt(this.path)?.kind === 'branch';
    return names.every((name) => this.hasChild(name));
  }

  exists(): boolean {
    return this.view.exists(this.path);
  }

  getPriority(): string | number | null {
    return this.view.nodeAt(this.path)?.priority ?? null;
  }

  isNumber(): boolean {
    return typeof this.leafValue() === 'number';
  }

  isString(): boolean {
    return typeof this.leafValue() === 'string';
  }

  isBoolean(): boolean {
    return typeof this.leafValue() === 'boolean';
  }

  private leafValue(): unknown {
    const node = this.view.nodeAt(this.path);
    return node?.kind === 'leaf' ? node.value : undefined;
  }

  toString(): string {
    return this.path.join('/');
  }
}
