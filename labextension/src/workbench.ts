// The SQL workbench around a Spark SQL (KBase) notebook: the catalog sidebar and the history
// panel in the left area (for the active notebook on this kernel), and Format SQL, a command on
// the active cell (or its selection) in the cell's context menu, on Shift+Alt+F and in the
// command palette.
// Must not: change a cell of another kernel's notebook.

import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { HistoryPanel } from './historypanel';
import { CatalogPanel } from './sidebar';
import { WorkbenchClient, onThisKernel } from './workbenchcomm';

const FORMAT = 'spark-sql-kbase:format-sql';

const catalogIcon = new LabIcon({
  name: 'spark-sql-kbase:catalog',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<ellipse cx="12" cy="5" rx="8" ry="3"/><path d="M4 7v4c0 1.7 3.6 3 8 3s8-1.3 8-3V7c0 1.7-3.6 3-8 3S4 8.7 4 7z"/>' +
    '<path d="M4 13v4c0 1.7 3.6 3 8 3s8-1.3 8-3v-4c0 1.7-3.6 3-8 3s-8-1.3-8-3z"/></g></svg>',
});

const historyIcon = new LabIcon({
  name: 'spark-sql-kbase:history',
  svgstr:
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><g class="jp-icon3" fill="#616161">' +
    '<path d="M13 3a9 9 0 0 0-9 9H1l4 4 4-4H6a7 7 0 1 1 2.1 5l-1.4 1.4A9 9 0 1 0 13 3zm-1 5v5l4.3 2.5.7-1.2-3.5-2.1V8z"/>' +
    '</g></svg>',
});

/** The left area's panels, kept up with the active notebook and its kernel. */
function addPanels(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  labShell: ILabShell | null,
): void {
  const client = new WorkbenchClient(tracker);
  const catalog = new CatalogPanel(client);
  catalog.title.icon = catalogIcon;
  catalog.onPreview = (widget) => app.shell.add(widget, 'main', { mode: 'split-right' });
  const history = new HistoryPanel(client);
  history.title.icon = historyIcon;
  app.shell.add(catalog, 'left', { rank: 600 });
  app.shell.add(history, 'left', { rank: 601 });
  const follow = (panel: NotebookPanel | null) => {
    panel?.sessionContext.statusChanged.connect(() => catalog.isVisible && catalog.follow());
    panel?.sessionContext.kernelChanged.connect(() => catalog.isVisible && catalog.follow());
    if (catalog.isVisible) {
      catalog.follow();
    }
    if (history.isVisible) {
      void history.reload();
    }
  };
  tracker.currentChanged.connect((_, panel) => follow(panel));
  tracker.widgetAdded.connect((_, panel) => follow(panel));
  labShell?.activeChanged.connect(() => catalog.isVisible && catalog.follow());
}

/** Formats the active cell of `panel`, or the selection in it. The formatter (sql-formatter,
 * about 300 kB) is loaded on first use. */
async function formatActiveCell(panel: NotebookPanel): Promise<void> {
  const { formatSql } = await import('./sqlformat');
  const cell = panel.content.activeCell;
  if (!cell || cell.model.type !== 'code') {
    return;
  }
  const source = cell.model.sharedModel.getSource();
  const editor = cell.editor;
  let start = 0;
  let end = source.length;
  if (editor) {
    const selection = editor.getSelection();
    const from = editor.getOffsetAt(selection.start);
    const to = editor.getOffsetAt(selection.end);
    if (from !== to) {
      start = Math.min(from, to);
      end = Math.max(from, to);
    }
  }
  const { text, unparsed, keptScript } = formatSql(source.slice(start, end));
  if (text !== source.slice(start, end)) {
    cell.model.sharedModel.updateSource(start, end, text);
  }
  if (unparsed.length > 0) {
    const which = unparsed.length === 1 ? 'one statement' : `${unparsed.length} statements`;
    Notification.warning(
      `Format SQL left ${which} as written: the formatter cannot read "${unparsed[0]}". ` +
        'Spark may still run it; the other statements were formatted.',
      { autoClose: 8000 },
    );
  } else if (keptScript) {
    Notification.info('Format SQL kept the SQL script (BEGIN … END) as written.', {
      autoClose: 5000,
    });
  }
}

export const workbench: JupyterFrontEndPlugin<void> = {
  id: 'spark-sql-kbase-explorer:workbench',
  description:
    'The catalog sidebar, the history panel and Format SQL for Spark SQL (KBase) notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILabShell],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    labShell: ILabShell | null,
  ) => {
    addPanels(app, tracker, labShell);
    app.commands.addCommand(FORMAT, {
      label: 'Format SQL',
      caption: "Lay out the active cell's Spark SQL (or the selection in it)",
      isEnabled: () => onThisKernel(tracker.currentWidget),
      isVisible: () => onThisKernel(tracker.currentWidget),
      execute: () => {
        const panel = tracker.currentWidget;
        if (onThisKernel(panel)) {
          return formatActiveCell(panel);
        }
      },
    });
    app.commands.addKeyBinding({
      command: FORMAT,
      keys: ['Shift Alt F'],
      selector: '.jp-Notebook',
    });
    app.contextMenu.addItem({ command: FORMAT, selector: '.jp-Notebook .jp-CodeCell', rank: 20 });
    palette?.addItem({ command: FORMAT, category: 'Spark SQL (KBase)' });
  },
};
