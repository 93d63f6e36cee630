// The explorer's frontend: for every notebook, a renderer of the kernel's explorer MIME type
// that shows the result's first page at once and talks to the kernel over a comm for the rest
// (pages, sort, filter, counts, summary, export). The browser holds only the visible page. A
// view whose kernel is gone shows its static rows and says to re-run the cell; while a cell runs,
// its work waits and it says so.
// Must not: sort, filter or page rows itself: the kernel asks the server.

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Dialog, ISessionContext, showDialog } from '@jupyterlab/apputils';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { INotebookModel, NotebookPanel } from '@jupyterlab/notebook';
import { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Kernel } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';
import { filterForm, filterLabel } from './filter';
import { el, button, tsv } from './dom';
import { bytes, count } from './format';
import { workbench } from './workbench';
import { clampStart, lastPageStart, pageOfRow, rangeLabel, resized } from './paging';
import type {
  Display,
  ExplorerEvent,
  ExportFormat,
  Filter,
  FilterOp,
  Request,
  SummaryEvent,
  ViewState,
} from './generated/protocol';

const MIME = 'application/vnd.kbase.spark-sql-explorer.v1+json';
const TARGET = 'spark_sql_kbase.explorer';
const SIZES = [25, 100, 500];
const RERUN = 'Re-run the cell to explore the whole result.';
/** Rows into a live result past which an unsorted page asks first (Spark reads up to it). */
const FAR = 1_000_000;

/** A request as the view asks it; the id is added when it is sent. */
type Ask = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** The words an answer carries for the user, if any. */
function messageOf(event: ExplorerEvent): string {
  return 'message' in event ? event.message : '';
}

/** One result's explorer. */
class Explorer extends Widget implements IRenderMime.IRenderer {
  private display!: Display;
  private comm: Kernel.IComm | null = null;
  private state: ViewState = { sort: null, filters: [] };
  private start = 0;
  private size = 100;
  private total: number | null = null;
  private rows: (string | null)[][] = [];
  private next = 0;
  private waiting = new Map<number, (event: ExplorerEvent) => void>();
  private live = false;
  private status!: HTMLElement;
  private label!: HTMLElement;
  private range!: HTMLElement;
  private table!: HTMLTableElement;
  private extra!: HTMLElement;
  private controls: HTMLButtonElement[] = [];
  /** What the status said before a cell paused the view's work. */
  private said = '';
  /** Pages come from the live statement (no snapshot), and Spark's estimate of its size. */
  private fromLive = false;
  private estimate = 0;
  private keep!: HTMLButtonElement;

  constructor(private session: ISessionContext | null) {
    super();
    this.addClass('spark-sql-explorer');
  }

  async renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.display = model.data[MIME] as unknown as Display;
    this.rows = this.display.rows;
    this.size = this.display.page_size || 100;
    if (!this.display.more) {
      this.total = this.rows.length;
    }
    this.build();
    this.draw();
    this.connect();
  }

  dispose(): void {
    this.kernel?.statusChanged.disconnect(this.onStatus, this);
    if (this.comm && !this.comm.isDisposed) {
      try {
        this.comm.close();
      } catch {
        // The kernel is gone: nothing to release.
      }
    }
    this.comm = null;
    super.dispose();
  }

  private kernel: Kernel.IKernelConnection | null = null;

  /** A kernel that restarts or dies takes the view's snapshot with it. */
  private onStatus(_: Kernel.IKernelConnection, status: Kernel.Status): void {
    if (this.live && ['restarting', 'autorestarting', 'dead'].includes(status)) {
      this.gone(RERUN);
    }
  }

  private connect(): void {
    const kernel = this.session?.session?.kernel;
    if (!kernel || !kernel.hasComm) {
      this.gone(RERUN);
      return;
    }
    this.kernel = kernel;
    kernel.statusChanged.connect(this.onStatus, this);
    try {
      this.comm = kernel.createComm(TARGET);
      this.comm.onMsg = (msg) => this.heard(msg.content.data as unknown as ExplorerEvent);
      this.comm.onClose = () => {
        this.comm = null;
        this.gone(RERUN);
      };
      this.comm.open({ view: this.display.view });
      this.live = true;
      this.say(this.display.more ? 'Asking Spark for the size of the result…' : '');
      this.enable();
    } catch {
      this.gone(RERUN);
    }
  }

  private heard(event: ExplorerEvent): void {
    // A request (or the snapshot, id 0) waits while a cell runs, then goes on.
    if (event.event === 'paused') {
      this.said = this.status.textContent ?? '';
      this.say(event.message);
      return;
    }
    if (event.event === 'resumed') {
      this.say(this.said);
      return;
    }
    if ('id' in event && event.id > 0) {
      const answer = this.waiting.get(event.id);
      if (event.event !== 'progress') {
        this.waiting.delete(event.id);
      }
      answer?.(event);
      return;
    }
    if (event.event === 'ready') {
      this.fromLive = false;
      if (!this.state.filters.length) {
        this.total = event.total;
      }
      this.say('');
      this.draw();
    } else if (event.event === 'live') {
      this.fromLive = true;
      this.estimate = event.estimate;
      this.say(event.message);
      this.draw();
    } else if (event.event === 'gone') {
      this.gone(event.message);
    } else if (event.event === 'label') {
      this.label.textContent = event.label;
    } else if (event.event === 'error') {
      this.say(event.message);
    }
  }

  private ask(
    request: Ask,
    progress?: (e: Extract<ExplorerEvent, { event: 'progress' }>) => void,
  ): Promise<ExplorerEvent> {
    return new Promise((resolve) => {
      if (!this.comm) {
        resolve({ event: 'error', id: 0, message: RERUN });
        return;
      }
      const id = ++this.next;
      this.waiting.set(id, (e) => (e.event === 'progress' ? progress?.(e) : resolve(e)));
      const sent: Request = { id, ...request } as Request;
      this.comm.send(sent as unknown as Record<string, never>);
    });
  }

  private gone(message: string): void {
    this.live = false;
    this.comm = null;
    this.say(message);
    this.addClass('spark-sql-explorer-gone');
    this.enable();
  }

  private say(text: string): void {
    this.status.textContent = text;
  }

  private build(): void {
    const bar = el('div', 'spark-sql-explorer-bar');
    const first = button('«', 'First page', () => this.goto(0));
    const previous = button('‹', 'Previous page', () => this.goto(this.start - this.size));
    const next = button('›', 'Next page', () => this.goto(this.start + this.size));
    const last = button('»', 'Last page', () => this.goLast());
    this.range = el('span', 'spark-sql-explorer-range');
    const sizes = el('select') as HTMLSelectElement;
    sizes.setAttribute('aria-label', 'Rows per page');
    for (const n of new Set([...SIZES, this.size])) {
      const option = el('option') as HTMLOptionElement;
      option.value = String(n);
      option.textContent = `${n} rows`;
      option.selected = n === this.size;
      sizes.append(option);
    }
    sizes.onchange = () => {
      this.size = Number(sizes.value);
      void this.goto(resized(this.start, this.size));
    };
    const row = el('input') as HTMLInputElement;
    row.type = 'number';
    row.min = '1';
    row.placeholder = 'Go to row';
    row.setAttribute('aria-label', 'Go to row');
    // Keys typed into the explorer's own fields are theirs, not JupyterLab's shortcuts (Enter
    // would otherwise put the notebook in edit mode before the field sees it).
    row.setAttribute('data-lm-suppress-shortcuts', '');
    // On the key's release: a dialog the page opens (a far page of a live result) must not take
    // the rest of the same key press as its answer.
    row.onkeyup = (e) => {
      if (e.key === 'Enter' && row.value) {
        void this.goto(pageOfRow(Number(row.value), this.size));
      }
    };
    const copy = button('Copy page', 'Copy page', () => this.copyRows(this.rows));
    const count = button(
      'Count rows',
      'Count rows',
      () => void this.count().then(() => this.draw()),
    );
    this.keep = button('Keep a stable copy', 'Keep a stable copy', () => void this.keepCopy());
    const summary = button('Summary', 'Summary', () => this.summary());
    const exporter = button('Export', 'Export', () => this.exportForm());
    this.controls = [first, previous, next, last, count, summary, exporter, this.keep];
    bar.append(
      first,
      previous,
      this.range,
      next,
      last,
      sizes,
      row,
      copy,
      count,
      summary,
      exporter,
      this.keep,
    );
    this.status = el('div', 'spark-sql-explorer-status');
    this.status.setAttribute('role', 'status');
    const scroller = el('div', 'spark-sql-explorer-scroll');
    this.table = el('table', 'spark-sql-explorer-table spark-sql-table') as HTMLTableElement;
    scroller.append(this.table);
    this.extra = el('div', 'spark-sql-explorer-extra');
    this.extra.setAttribute('data-lm-suppress-shortcuts', '');
    // The result's name and receipt, as the static table's footer shows them.
    this.label = el('div', 'spark-sql-explorer-label');
    this.label.textContent = this.display.label ?? '';
    this.node.append(bar, this.status, this.extra, scroller, this.label);
  }

  private enable(): void {
    for (const control of this.controls) {
      control.disabled = !this.live;
    }
    this.keep.hidden = !this.fromLive;
    this.node
      .querySelectorAll('th button')
      .forEach((b) => ((b as HTMLButtonElement).disabled = !this.live));
  }

  private draw(): void {
    this.range.textContent = rangeLabel({
      start: this.start,
      shown: this.rows.length,
      total: this.total,
      more: this.display.more,
      filtered: this.state.filters.length > 0,
    });
    this.table.replaceChildren(this.head(), this.body());
    this.enable();
  }

  private head(): HTMLElement {
    const thead = el('thead');
    const tr = el('tr');
    tr.append(el('th', 'spark-sql-explorer-corner'));
    this.display.columns.forEach((column, i) => {
      const th = el('th');
      const sorted = this.state.sort?.column === i ? this.state.sort : null;
      th.setAttribute(
        'aria-sort',
        sorted ? (sorted.descending ? 'descending' : 'ascending') : 'none',
      );
      const name = el('span', 'spark-sql-explorer-name', column.name);
      const type = el('small', 'spark-sql-explorer-type', column.type);
      const up = button(
        '▲',
        'Sort ascending',
        () => this.sort(i, false),
        `Sort ascending by ${column.name}`,
      );
      const down = button(
        '▼',
        'Sort descending',
        () => this.sort(i, true),
        `Sort descending by ${column.name}`,
      );
      const filter = button('⚲', 'Filter', () => this.filterForm(i), `Filter ${column.name}`);
      up.classList.toggle('on', sorted?.descending === false);
      down.classList.toggle('on', sorted?.descending === true);
      filter.classList.toggle(
        'on',
        this.state.filters.some((f) => f.column === i),
      );
      th.append(name, type, up, down, filter);
      tr.append(th);
    });
    thead.append(tr);
    return thead;
  }

  private body(): HTMLElement {
    const tbody = el('tbody');
    this.rows.forEach((row, r) => {
      const tr = el('tr');
      const number = el('th', 'spark-sql-explorer-row');
      number.append(
        button(
          String(this.start + r + 1),
          'Copy row',
          () => this.copyRows([row]),
          `Copy row ${this.start + r + 1}`,
        ),
      );
      tr.append(number);
      row.forEach((value, c) => {
        const td = el('td', value === null ? 'null' : this.display.columns[c].numeric ? 'n' : 's');
        td.textContent = value === null ? 'NULL' : value;
        td.tabIndex = -1;
        td.onkeydown = (e) => {
          if ((e.ctrlKey || e.metaKey) && e.key === 'c') {
            void navigator.clipboard.writeText(value ?? '');
          }
        };
        tr.append(td);
      });
      tbody.append(tr);
    });
    return tbody;
  }

  private async goto(start: number): Promise<void> {
    start = Math.max(0, start);
    const plain = !this.state.sort && !this.state.filters.length;
    if (this.fromLive && plain && start >= FAR && !(await this.farOk(start))) {
      return;
    }
    start = clampStart(start, this.size, this.total);
    this.say('Loading…');
    const answer = await this.ask({ op: 'page', start, size: this.size, state: this.state });
    if (answer.event !== 'page') {
      this.say(messageOf(answer));
      return;
    }
    this.start = answer.start;
    this.rows = answer.rows;
    this.say('');
    this.draw();
  }

  private async goLast(): Promise<void> {
    if (this.total === null) {
      await this.count();
    }
    if (this.total !== null) {
      await this.goto(lastPageStart(this.total, this.size));
    }
  }

  /** Whether the user goes on to a page far into a live result, told what it costs. */
  private async farOk(start: number): Promise<boolean> {
    const answer = await showDialog({
      title: 'Go far into a live result',
      body:
        `Row ${count(start + 1)} of a live result: Spark reads up to it. ` +
        'Keep a stable copy first to make far pages instant.',
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Go to the page' })],
      defaultButton: 0,
    });
    return answer.button.accept;
  }

  /** Keeps a stable copy of the result on the server, once the user saw what it costs. */
  private async keepCopy(): Promise<void> {
    const answer = await showDialog({
      title: 'Keep a stable copy',
      body:
        `Spark estimates this result at ${bytes(this.estimate)}. A copy is cached on the ` +
        'server (the least recently used copies make room), and its pages are then stable and instant.',
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Keep a copy' })],
    });
    if (!answer.button.accept || !this.comm) {
      return;
    }
    this.comm.send({ id: ++this.next, op: 'keep' });
    this.say('Making a stable copy on the server…');
  }

  private async count(): Promise<void> {
    this.say('Counting rows on the server…');
    const answer = await this.ask({ op: 'count', state: this.state });
    if (answer.event === 'count') {
      this.total = answer.total;
      this.say('');
    } else {
      this.say(messageOf(answer));
    }
  }

  private async sort(column: number, descending: boolean): Promise<void> {
    const same = this.state.sort?.column === column && this.state.sort.descending === descending;
    this.state = { ...this.state, sort: same ? null : { column, descending } };
    await this.goto(0);
  }

  private filterForm(column: number): void {
    const existing = this.state.filters.find((f) => f.column === column) ?? null;
    const form = filterForm(
      column,
      this.display.columns[column],
      existing,
      (filter: Filter | null) => {
        const others = this.state.filters.filter((f) => f.column !== column);
        this.state = { ...this.state, filters: filter ? [...others, filter] : others };
        this.extra.replaceChildren(this.filterLine());
        this.total = null;
        void this.goto(0)
          .then(() => this.count())
          .then(() => this.draw());
      },
    );
    this.extra.replaceChildren(form);
    (form.querySelector('select') as HTMLSelectElement | null)?.focus();
  }

  private filterLine(): HTMLElement {
    const line = el('div', 'spark-sql-explorer-filters');
    for (const f of this.state.filters) {
      line.append(
        el('span', 'spark-sql-explorer-chip', filterLabel(this.display.columns[f.column].name, f)),
      );
    }
    return line;
  }

  private async summary(): Promise<void> {
    this.say('Summarising on the server…');
    const answer = await this.ask({ op: 'summary', state: this.state });
    if (answer.event !== 'summary') {
      this.say(messageOf(answer));
      return;
    }
    this.showSummary(answer);
  }

  private showSummary(answer: SummaryEvent): void {
    this.say('');
    const table = el('table', 'spark-sql-explorer-summary');
    const head = el('tr');
    for (const h of ['column', 'type', 'nulls', 'distinct (approx.)', 'min', 'max']) {
      head.append(el('th', '', h));
    }
    table.append(head);
    answer.columns.forEach((s, i) => {
      const tr = el('tr');
      const c = this.display.columns[i];
      for (const v of [c.name, c.type, s.nulls, s.distinct, s.min, s.max]) {
        tr.append(el('td', '', v === null || v === undefined ? '—' : String(v)));
      }
      table.append(tr);
    });
    const caption = el('div', '', `${count(answer.rows)} rows`);
    this.extra.replaceChildren(caption, table);
  }

  private exportForm(): void {
    const form = el('form', 'spark-sql-explorer-form');
    const format = el('select') as HTMLSelectElement;
    format.setAttribute('aria-label', 'Export format');
    for (const f of ['csv', 'tsv', 'json', 'parquet']) {
      const option = el('option', '', f.toUpperCase()) as HTMLOptionElement;
      option.value = f;
      format.append(option);
    }
    const path = el('input') as HTMLInputElement;
    path.setAttribute('aria-label', 'Export to file');
    path.value = `result-${this.display.view.split('-').pop()}.csv`;
    format.onchange = () => (path.value = path.value.replace(/\.[a-z]+$/, `.${format.value}`));
    const go = el('button', '', 'Start export') as HTMLButtonElement;
    go.type = 'submit';
    form.append(format, path, go);
    form.onsubmit = async (e) => {
      e.preventDefault();
      go.disabled = true;
      this.say('Exporting…');
      const answer = await this.ask(
        { op: 'export', path: path.value, format: format.value as ExportFormat, state: this.state },
        (p) => this.say(`Exporting… ${count(p.rows)} rows written`),
      );
      go.disabled = false;
      this.say(messageOf(answer));
    };
    this.extra.replaceChildren(form);
    path.focus();
  }

  private copyRows(rows: (string | null)[][]): void {
    void navigator.clipboard.writeText(
      tsv(
        this.display.columns.map((c) => c.name),
        rows,
      ),
    );
    this.say(rows.length === 1 ? 'Copied the row.' : `Copied ${rows.length} rows.`);
  }
}

export type { FilterOp };

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'spark-sql-kbase-explorer:plugin',
  description: 'Explore a whole Spark SQL result in place.',
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    const extension: DocumentRegistry.IWidgetExtension<NotebookPanel, INotebookModel> = {
      createNew(panel: NotebookPanel) {
        panel.content.rendermime.addFactory(
          {
            safe: true,
            mimeTypes: [MIME],
            defaultRank: 0,
            createRenderer: () => new Explorer(panel.sessionContext),
          },
          0,
        );
      },
    };
    app.docRegistry.addWidgetExtension('Notebook', extension);
  },
};

export default [plugin, workbench];
