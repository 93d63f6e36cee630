// The catalog sidebar: the active Spark SQL (KBase) notebook's catalogs, namespaces, tables and
// views, columns and nested fields, as an ARIA tree drawn a window at a time (it keeps up with
// 20,000 tables). A filter finds a name anywhere (what is loaded at once, the rest by the
// kernel's search); Refresh forgets; a table offers Details, Preview (in the explorer, no cell)
// and Insert (also on double-click, Enter, or by dragging it into a cell).
// Must not: hold rows of tables, or talk to the kernel but through the workbench's comm.

import { MainAreaWidget } from '@jupyterlab/apputils';
import { MimeModel } from '@jupyterlab/rendermime';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import { Widget } from '@lumino/widgets';
import { button, el, searchBox } from './dom';
import { CatalogTree, Row, insertable, typeAhead, windowOf } from './tree';
import { Answer, WorkbenchClient } from './workbenchcomm';

const ROW = 24;
const EXPLORER_MIME = 'application/vnd.kbase.spark-sql-explorer.v1+json';
const ICONS: Record<string, string> = {
  catalog: '▣',
  namespace: '▤',
  table: '▦',
  view: '◫',
  column: '▪',
  field: '▫',
};

export class CatalogPanel extends Widget {
  private tree = new CatalogTree();
  private rows: Row[] = [];
  private active = 0;
  private typed = '';
  private typedAt = 0;
  private filterText = '';
  private found: Row[] = [];
  private status: HTMLElement;
  private filter: HTMLInputElement;
  private scroller: HTMLElement;
  private spacer: HTMLElement;
  private window: HTMLElement;
  private details: HTMLElement;
  private kernelId = '';
  private drawn = new Map<string, { sig: string; node: HTMLElement }>();

  constructor(private client: WorkbenchClient) {
    super();
    this.id = 'spark-sql-kbase-catalog';
    this.addClass('spark-sql-sidebar');
    this.title.caption = 'Spark catalog';
    const head = el('div', 'spark-sql-sidebar-head');
    head.append(el('h2', '', 'Spark catalog'));
    const refresh = button('Refresh', 'Refresh the catalog', () => this.refresh());
    head.append(refresh);
    this.filter = searchBox('Filter: a name anywhere', 'Filter the catalog', (text) =>
      this.search(text),
    );
    this.status = el('div', 'spark-sql-sidebar-status');
    this.status.setAttribute('role', 'status');
    this.scroller = el('div', 'spark-sql-tree');
    this.scroller.setAttribute('role', 'tree');
    this.scroller.setAttribute('aria-label', 'Spark catalog');
    this.scroller.tabIndex = 0;
    this.spacer = el('div', 'spark-sql-tree-spacer');
    this.window = el('div', 'spark-sql-tree-window');
    this.window.setAttribute('role', 'presentation');
    this.spacer.append(this.window);
    this.scroller.append(this.spacer);
    this.scroller.onscroll = () => this.draw();
    this.scroller.onkeydown = (e) => this.key(e);
    this.details = el('div', 'spark-sql-sidebar-details');
    this.details.setAttribute('role', 'region');
    this.details.setAttribute('aria-label', 'Table details');
    this.node.append(head, this.filter, this.status, this.scroller, this.details);
  }

  /** The active notebook or its kernel changed: start over for it. */
  follow(): void {
    const state = this.client.state();
    const words: Record<string, string> = {
      none: 'Open a notebook on the Spark SQL (KBase) kernel to see its catalog.',
      busy: 'A cell is running: the catalog still answers beside it.',
      starting: 'The kernel is starting…',
      restarting: 'The kernel is restarting: the catalog comes back with it.',
      dead: 'The kernel is gone: restart it to see the catalog.',
      idle: '',
    };
    this.say(words[state] ?? '');
    const kernelId = this.client.panel?.sessionContext.session?.kernel?.id ?? '';
    if (kernelId !== this.kernelId) {
      this.kernelId = kernelId;
      this.tree.clear();
      this.found = [];
      this.layOut();
    }
    if (kernelId && !this.tree.hasRoots() && (state === 'idle' || state === 'busy')) {
      void this.load([]);
    }
  }

  protected onAfterShow(): void {
    this.follow();
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  private async load(path: string[]): Promise<void> {
    this.tree.setLoading(path);
    this.layOut();
    const answer = await this.client.request({ op: 'children', path });
    if (answer.event === 'children') {
      this.tree.setChildren(path, answer.nodes);
    } else if (answer.event === 'error') {
      this.tree.setError(path, answer.message);
      if (path.length === 0) {
        this.say(answer.message);
      }
    }
    this.layOut();
  }

  private async refresh(): Promise<void> {
    await this.client.request({ op: 'refresh' });
    this.tree.clear();
    this.found = [];
    this.details.replaceChildren();
    await this.load([]);
    if (this.filterText) {
      await this.search(this.filterText);
    }
  }

  private async search(text: string): Promise<void> {
    this.filterText = text;
    this.found = [];
    this.active = 0;
    this.layOut();
    if (!text) {
      this.say('');
      return;
    }
    const take = (answer: Answer) => {
      if (answer.event !== 'found' || this.filterText !== text) {
        return;
      }
      this.found = answer.matches.map((m) => ({
        key: JSON.stringify(m.path),
        path: m.path,
        node: { name: m.path[m.path.length - 1], kind: m.kind },
        level: 1,
        expandable: false,
        expanded: false,
        loading: false,
      }));
      const where = `${answer.searched.toLocaleString()} of ${answer.namespaces.toLocaleString()} namespaces`;
      this.say(
        answer.done
          ? `${answer.matches.length.toLocaleString()} found in ${where}.`
          : `Searching… ${where}`,
      );
      this.layOut();
    };
    this.say('Searching…');
    const answer = await this.client.request({ op: 'search', text }, take);
    if (answer.event === 'error') {
      this.say(answer.message);
    }
    take(answer);
  }

  /** Recomputes the rows and draws them. */
  private layOut(): void {
    if (this.filterText) {
      const local = this.tree
        .matching(this.filterText)
        .filter((r) => r.node.kind === 'column' || r.node.kind === 'field');
      const seen = new Set(this.found.map((r) => r.key));
      this.rows = [...this.found, ...local.filter((r) => !seen.has(r.key))];
    } else {
      this.rows = this.tree.rows();
    }
    this.active = Math.min(this.active, Math.max(0, this.rows.length - 1));
    this.spacer.style.height = `${this.rows.length * ROW}px`;
    this.draw();
  }

  /** Draws the rows in view (and a few around them). */
  private draw(): void {
    const [first, last] = windowOf(
      this.scroller.scrollTop,
      this.scroller.clientHeight || 600,
      ROW,
      this.rows.length,
    );
    this.window.style.transform = `translateY(${first * ROW}px)`;
    // Rows drawn before are kept as they are: a node replaced under the pointer between
    // mousedown and mouseup would lose the click.
    const drawn = new Map<string, { sig: string; node: HTMLElement }>();
    const nodes: HTMLElement[] = [];
    for (let at = first; at < last; at++) {
      const row = this.rows[at];
      const sig = [
        at,
        at === this.active,
        row.expanded,
        row.expandable,
        row.loading,
        row.error,
        this.filterText,
      ].join('|');
      const kept = this.drawn.get(row.key);
      const node = kept?.sig === sig ? kept.node : this.rowElement(row, at);
      drawn.set(row.key, { sig, node });
      nodes.push(node);
    }
    this.drawn = drawn;
    const current = this.window.children;
    if (current.length !== nodes.length || nodes.some((node, i) => current[i] !== node)) {
      this.window.replaceChildren(...nodes);
    }
    const active = this.rows[this.active];
    if (active) {
      this.scroller.setAttribute('aria-activedescendant', `spark-sql-tree-row-${this.active}`);
    } else {
      this.scroller.removeAttribute('aria-activedescendant');
    }
  }

  private rowElement(row: Row, at: number): HTMLElement {
    const item = el('div', 'spark-sql-tree-row');
    item.id = `spark-sql-tree-row-${at}`;
    item.setAttribute('role', 'treeitem');
    item.setAttribute('aria-level', String(row.level));
    item.setAttribute('aria-setsize', String(this.rows.length));
    item.setAttribute('aria-posinset', String(at + 1));
    item.setAttribute('aria-selected', String(at === this.active));
    if (row.expandable) {
      item.setAttribute('aria-expanded', String(row.expanded));
    }
    const label = this.filterText ? row.path.join('.') : row.node.name;
    item.setAttribute(
      'aria-label',
      `${label}${row.node.type ? `, ${row.node.type}` : ''}, ${row.node.kind}`,
    );
    item.style.paddingLeft = `${(this.filterText ? 0 : row.level - 1) * 14 + 4}px`;
    const twisty = el(
      'span',
      'spark-sql-tree-twisty',
      row.expandable ? (row.expanded ? '▾' : '▸') : '',
    );
    twisty.setAttribute('aria-hidden', 'true');
    const icon = el(
      'span',
      `spark-sql-tree-icon spark-sql-kind-${row.node.kind}`,
      ICONS[row.node.kind] ?? '',
    );
    icon.setAttribute('aria-hidden', 'true');
    const name = el('span', 'spark-sql-tree-name', label);
    item.append(twisty, icon, name);
    if (row.node.type) {
      item.append(el('span', 'spark-sql-tree-type', row.node.type));
    }
    if (row.node.comment) {
      item.title = row.node.comment;
    }
    if (row.loading) {
      item.append(el('span', 'spark-sql-tree-note', 'loading…'));
    } else if (row.error) {
      item.append(el('span', 'spark-sql-tree-note spark-sql-tree-error', row.error));
    }
    if (row.node.kind === 'table' || row.node.kind === 'view') {
      item.append(this.actions(row));
      item.draggable = true;
      item.ondragstart = (e) =>
        e.dataTransfer?.setData('text/plain', insertable(row.path, row.node.kind));
    }
    item.onclick = () => {
      this.active = at;
      if (row.expandable && !this.filterText) {
        this.toggle(row);
      } else {
        this.draw();
      }
      this.scroller.focus();
    };
    item.ondblclick = () => this.insert(row);
    return item;
  }

  private actions(row: Row): HTMLElement {
    const box = el('span', 'spark-sql-tree-actions');
    const named = row.path.join('.');
    const act = (text: string, what: string, run: () => void) => {
      const b = button(text, `${what} ${named}`, run);
      // The row's own click (select, open) is not this button's.
      b.addEventListener('click', (e) => e.stopPropagation());
      b.tabIndex = -1;
      return b;
    };
    box.append(
      act('Details', 'Details of', () => void this.showDetails(row)),
      act('Preview', 'Preview', () => void this.preview(row)),
      act('Insert', 'Insert', () => this.insert(row)),
    );
    return box;
  }

  private toggle(row: Row): void {
    if (this.tree.toggle(row.path, row.node)) {
      void this.load(row.path);
    }
    this.layOut();
  }

  private insert(row: Row): void {
    const editor = this.client.panel?.content.activeCell?.editor;
    if (!editor) {
      this.say('Select a cell to insert into.');
      return;
    }
    editor.replaceSelection?.(insertable(row.path, row.node.kind));
    editor.focus();
  }

  private async showDetails(row: Row): Promise<void> {
    this.details.replaceChildren(
      el('div', 'spark-sql-tree-note', `Details of ${row.path.join('.')}…`),
    );
    const answer = await this.client.request({ op: 'details', path: row.path });
    const heading = el('h3', '', row.path.join('.'));
    if (answer.event !== 'details') {
      this.details.replaceChildren(
        heading,
        el('div', 'spark-sql-tree-error', answer.event === 'error' ? answer.message : ''),
      );
      return;
    }
    const list = el('dl');
    for (const [name, value] of answer.rows) {
      list.append(el('dt', '', name), el('dd', '', value));
    }
    this.details.replaceChildren(heading, list);
  }

  private async preview(row: Row): Promise<void> {
    const panel = this.client.panel;
    if (!panel) {
      return;
    }
    this.say(`Reading the first rows of ${row.path.join('.')}…`);
    const answer = await this.client.request({ op: 'preview', path: row.path });
    if (answer.event !== 'preview') {
      this.say(answer.event === 'error' ? answer.message : '');
      return;
    }
    this.say('');
    const renderer = panel.content.rendermime.createRenderer(EXPLORER_MIME);
    const data = answer.data as ReadonlyPartialJSONObject;
    await renderer.renderModel(new MimeModel({ data, trusted: true }));
    renderer.addClass('spark-sql-preview');
    const main = new MainAreaWidget({ content: renderer });
    main.id = `spark-sql-preview-${Date.now()}`;
    main.title.label = `Preview: ${row.path.join('.')}`;
    main.title.closable = true;
    this.onPreview?.(main);
  }

  /** Where a preview opens (set by the plugin: the main area). */
  onPreview?: (widget: MainAreaWidget) => void;

  private key(e: KeyboardEvent): void {
    const row = this.rows[this.active];
    const move = (to: number) => {
      this.active = Math.max(0, Math.min(this.rows.length - 1, to));
      this.reveal();
      e.preventDefault();
    };
    switch (e.key) {
      case 'ArrowDown':
        return move(this.active + 1);
      case 'ArrowUp':
        return move(this.active - 1);
      case 'Home':
        return move(0);
      case 'End':
        return move(this.rows.length - 1);
      case 'ArrowRight':
        if (row?.expandable && !row.expanded && !this.filterText) {
          this.toggle(row);
          e.preventDefault();
          return;
        }
        return row?.expanded ? move(this.active + 1) : undefined;
      case 'ArrowLeft':
        if (row?.expanded) {
          this.toggle(row);
          e.preventDefault();
          return;
        }
        return move(this.rows.findIndex((r) => r.key === JSON.stringify(row?.path.slice(0, -1))));
      case 'Enter':
        if (!row) {
          return;
        }
        e.preventDefault();
        return row.expandable && !this.filterText ? this.toggle(row) : this.insert(row);
    }
    if (e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
      const now = Date.now();
      this.typed = now - this.typedAt > 700 ? e.key : this.typed + e.key;
      this.typedAt = now;
      const from = this.typed.length > 1 ? this.active - 1 : this.active;
      move(typeAhead(this.rows, from, this.typed));
    }
  }

  /** Scrolls the active row into view and draws. */
  private reveal(): void {
    const top = this.active * ROW;
    if (top < this.scroller.scrollTop) {
      this.scroller.scrollTop = top;
    } else if (top + ROW > this.scroller.scrollTop + this.scroller.clientHeight) {
      this.scroller.scrollTop = top + ROW - this.scroller.clientHeight;
    }
    this.draw();
  }
}
