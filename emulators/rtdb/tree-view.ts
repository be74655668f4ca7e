import { childAt, type DataNode, setAtCopy } from './data-node.js';
import { isPrefix, type Path } from './path.js';

/** Read access to one version of a namespace's tree. */
export interface TreeView {
  nodeAt(path: Path): DataNode | undefined;
  exists(path: Path): boolean;
}

export class StoredTree implements TreeView {
  constructor(private readonly root: DataNode | undefined) {}

  nodeAt(path: Path): DataNode | undefined {
    return childAt(this.root, path);
  }

  exists(path: Path): boolean {
    return this.nodeAt(path) !== undefined;
  }
}

export interface Change {
  readonly path: Path;
  readonly node: DataNode | undefined;
}

/**
 * The tree as it would be after `changes` (non-overlapping), without copying it: only nodes above
 * a change are rebuilt, and only when a rule asks for them.
 */
export class TreeAfterChanges implements TreeView {
  private readonly rebuilt = new Map<string, DataNode | undefined>();

  constructor(
    private readonly before: TreeView,
    private readonly changes: readonly Change[],
  ) {}

  nodeAt(path: Path): DataNode | undefined {
    for (const change of this.changes) {
      if (isPrefix(change.path, path)) return childAt(change.node, path, change.path.length);
    }
    const below = this.changes.filter((change) => isPrefix(path, change.path));
    const old = this.before.nodeAt(path);
    if (below.length === 0) return old;
    const key = path.join('/');
    if (this.rebuilt.has(key)) return this.rebuilt.get(key);
    let node = old;
    for (const change of below) node = setAtCopy(node, change.path.slice(path.length), change.node);
    this.rebuilt.set(key, node);
    return node;
  }

  exists(path: Path): boolean {
    for (const change of this.changes) {
      if (isPrefix(change.path, path))
        return childAt(change.node, path, change.path.length) !== undefined;
    }
    const below = this.changes.filter((change) => isPrefix(path, change.path));
    if (below.some((change) => change.node !== undefined)) return true;
    const old = this.before.nodeAt(path);
    if (old === undefined) return false;
    if (below.length === 0 || old.kind === 'leaf') return true;
    const touched = new Set(below.map((change) => change.path[path.length]));
    if (old.children.size > touched.size) return true;
    return this.nodeAt(path) !== undefined;
  }
}
