// The catalog sidebar's tree as data: what each level holds once loaded, what is open, and the
// rows it shows in order (catalogs, namespaces, tables and views, columns, nested fields).
// Must not: touch the DOM or the kernel (the panel does).

import type { Kind, TreeNode } from './generated/workbench';

export type { Kind, TreeNode };

/** One row of the tree as shown. */
export interface Row {
  key: string;
  path: string[];
  node: TreeNode;
  /** 1 for a catalog. */
  level: number;
  expandable: boolean;
  expanded: boolean;
  loading: boolean;
  error?: string;
}

/** The key of a path (unique, whatever its names hold). */
export function keyOf(path: string[]): string {
  return JSON.stringify(path);
}

/** Levels whose children the kernel sends on request. */
function asksKernel(kind: Kind): boolean {
  return kind === 'catalog' || kind === 'namespace' || kind === 'table' || kind === 'view';
}

/** A name as SQL reads it: backticks when it needs them. */
export function quoted(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : '`' + name.replace(/`/g, '``') + '`';
}

/** The name to insert for a row: a table's qualified name, a column's (or field's) own path
 * below its table. */
export function insertable(path: string[], kind: Kind): string {
  const parts = kind === 'column' || kind === 'field' ? path.slice(3) : path;
  return parts.map(quoted).join('.');
}

export class CatalogTree {
  private roots: TreeNode[] | null = null;
  private loaded = new Map<string, TreeNode[]>();
  private open = new Set<string>();
  private loading = new Set<string>();
  private errors = new Map<string, string>();

  /** Forgets everything (Refresh, another kernel). */
  clear(): void {
    this.roots = null;
    this.loaded.clear();
    this.open.clear();
    this.loading.clear();
    this.errors.clear();
  }

  hasRoots(): boolean {
    return this.roots !== null;
  }

  setChildren(path: string[], nodes: TreeNode[]): void {
    const key = keyOf(path);
    if (path.length === 0) {
      this.roots = nodes;
    } else {
      this.loaded.set(key, nodes);
    }
    this.loading.delete(key);
    this.errors.delete(key);
  }

  setLoading(path: string[]): void {
    this.loading.add(keyOf(path));
    this.errors.delete(keyOf(path));
  }

  setError(path: string[], message: string): void {
    this.loading.delete(keyOf(path));
    this.errors.set(keyOf(path), message);
  }

  isOpen(path: string[]): boolean {
    return this.open.has(keyOf(path));
  }

  /** Opens or closes `path`; whether its children must be asked of the kernel. */
  toggle(path: string[], node: TreeNode): boolean {
    const key = keyOf(path);
    if (this.open.has(key)) {
      this.open.delete(key);
      return false;
    }
    this.open.add(key);
    return asksKernel(node.kind) && !this.loaded.has(key) && !this.loading.has(key);
  }

  /** The children of a row, when known. */
  children(path: string[], node: TreeNode): TreeNode[] | undefined {
    return asksKernel(node.kind) ? this.loaded.get(keyOf(path)) : node.fields;
  }

  /** The rows shown, in order. */
  rows(): Row[] {
    const out: Row[] = [];
    const walk = (nodes: TreeNode[], parent: string[]) => {
      for (const node of nodes) {
        const path = [...parent, node.name];
        const key = keyOf(path);
        const children = this.children(path, node);
        const expandable = asksKernel(node.kind) ? children?.length !== 0 : !!node.fields?.length;
        const expanded = expandable && this.open.has(key);
        out.push({
          key,
          path,
          node,
          level: path.length,
          expandable,
          expanded,
          loading: this.loading.has(key),
          error: this.errors.get(key),
        });
        if (expanded && children) {
          walk(children, path);
        }
      }
    };
    walk(this.roots ?? [], []);
    return out;
  }

  /** Every loaded node whose name contains `text` (case-insensitive), as flat rows. */
  matching(text: string): Row[] {
    const needle = text.toLowerCase();
    const out: Row[] = [];
    const walk = (nodes: TreeNode[], parent: string[]) => {
      for (const node of nodes) {
        const path = [...parent, node.name];
        if (node.name.toLowerCase().includes(needle)) {
          out.push({
            key: keyOf(path),
            path,
            node,
            level: 1,
            expandable: false,
            expanded: false,
            loading: false,
          });
        }
        const children = this.children(path, node);
        if (children) {
          walk(children, path);
        }
      }
    };
    walk(this.roots ?? [], []);
    return out;
  }
}

/** The next row after `from` (wrapping) whose name starts with `prefix` (type-ahead). */
export function typeAhead(rows: Row[], from: number, prefix: string): number {
  const wanted = prefix.toLowerCase();
  for (let step = 1; step <= rows.length; step++) {
    const at = (from + step) % rows.length;
    if (rows[at].node.name.toLowerCase().startsWith(wanted)) {
      return at;
    }
  }
  return from;
}

/** The first and last (exclusive) rows to draw for a scroll position, with `spare` rows
 * around the view. */
export function windowOf(
  scrollTop: number,
  height: number,
  rowHeight: number,
  count: number,
  spare = 10,
): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - spare);
  const last = Math.min(count, Math.ceil((scrollTop + height) / rowHeight) + spare);
  return [first, last];
}
