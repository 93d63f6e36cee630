// The history panel: past statements from the kernel's journal (this notebook's, or every
// notebook's), newest first, searchable, each with its time, duration, rows and receipt; a
// statement goes into a new cell or the clipboard, and its receipt opens.
// Must not: read the journal itself (the kernel does, over the workbench's comm).

import { Dialog, showDialog } from '@jupyterlab/apputils';
import { NotebookActions } from '@jupyterlab/notebook';
import { Widget } from '@lumino/widgets';
import { button, el, searchBox } from './dom';
import { count } from './format';
import { Past, WorkbenchClient } from './workbenchcomm';

/** A duration as people read it. */
export function took(ms: number): string {
  return ms < 1000
    ? `${ms} ms`
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`;
}

export class HistoryPanel extends Widget {
  private search: HTMLInputElement;
  private all: HTMLInputElement;
  private status: HTMLElement;
  private list: HTMLElement;
  private asked = 0;

  constructor(private client: WorkbenchClient) {
    super();
    this.id = 'spark-sql-kbase-history';
    this.addClass('spark-sql-sidebar');
    this.title.caption = 'SQL history';
    const head = el('div', 'spark-sql-sidebar-head');
    head.append(
      el('h2', '', 'SQL history'),
      button('Reload', 'Reload the history', () => this.reload()),
    );
    this.search = searchBox('Search statements', 'Search past statements', () => this.reload());
    const scope = el('label', 'spark-sql-history-scope');
    this.all = el('input') as HTMLInputElement;
    this.all.type = 'checkbox';
    this.all.onchange = () => void this.reload();
    scope.append(this.all, document.createTextNode(' Every notebook'));
    this.status = el('div', 'spark-sql-sidebar-status');
    this.status.setAttribute('role', 'status');
    this.list = el('ul', 'spark-sql-history');
    this.list.setAttribute('aria-label', 'Past statements');
    this.node.append(head, this.search, scope, this.status, this.list);
  }

  protected onAfterShow(): void {
    void this.reload();
  }

  async reload(): Promise<void> {
    if (!this.client.panel) {
      this.status.textContent =
        'Open a notebook on the Spark SQL (KBase) kernel to see its history.';
      this.list.replaceChildren();
      return;
    }
    const asked = ++this.asked;
    const text = this.search.value.trim() || undefined;
    const answer = await this.client.request({ op: 'history', text, all: this.all.checked });
    if (asked !== this.asked) {
      return;
    }
    if (answer.event !== 'history') {
      this.status.textContent = answer.event === 'error' ? answer.message : '';
      return;
    }
    const records = [...answer.records].reverse();
    this.status.textContent = records.length ? '' : 'No statements yet.';
    this.list.replaceChildren(...records.map((r) => this.item(r)));
  }

  private item(record: Past): HTMLElement {
    const item = el('li', `spark-sql-history-item spark-sql-history-${record.status}`);
    const when = new Date(record.started).toLocaleString();
    const facts = `${when} · ${took(record.duration_ms)} · ${count(record.rows)} rows · ${record.receipt}`;
    const statement = el('pre', 'spark-sql-history-statement', record.statement);
    item.append(el('div', 'spark-sql-history-facts', facts), statement);
    if (record.status !== 'ok') {
      item.append(el('div', 'spark-sql-tree-error', record.status));
    }
    const short = record.statement.split('\n')[0].slice(0, 60);
    const actions = el('div', 'spark-sql-tree-actions');
    actions.append(
      button('Insert', `Insert as a new cell: ${short}`, () => this.insert(record.statement)),
      button('Copy', `Copy: ${short}`, () => navigator.clipboard.writeText(record.statement)),
      button('Receipt', `Receipt ${record.receipt}`, () => this.receipt(record)),
    );
    item.append(actions);
    return item;
  }

  private insert(statement: string): void {
    const panel = this.client.panel;
    if (!panel) {
      return;
    }
    NotebookActions.insertBelow(panel.content);
    panel.content.activeCell?.model.sharedModel.setSource(statement);
    panel.content.activeCell?.editor?.focus();
  }

  private receipt(record: Past): Promise<unknown> {
    const body = el('div', 'spark-sql-receipt');
    const list = el('dl');
    const facts: [string, string][] = [
      ['Receipt', record.receipt],
      ['Started', new Date(record.started).toLocaleString()],
      ['Took', took(record.duration_ms)],
      ['Rows', count(record.rows)],
      ['Outcome', record.status],
      ['Notebook', record.notebook ?? '—'],
    ];
    for (const [name, value] of facts) {
      list.append(el('dt', '', name), el('dd', '', value));
    }
    body.append(
      list,
      el('pre', 'spark-sql-history-statement', record.statement),
      el(
        'p',
        '',
        `The whole record, with no kernel running: spark-sql-kernel receipt ${record.receipt}`,
      ),
    );
    return showDialog({
      title: `Receipt ${record.receipt}`,
      body: new Widget({ node: body }),
      buttons: [Dialog.okButton({ label: 'Close' })],
    });
  }
}
