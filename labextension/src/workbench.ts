// The SQL workbench around a Spark SQL (KBase) notebook: Format SQL, a command on the active
// cell (or its selection) in the cell's context menu, on Shift+Alt+F and in the command
// palette. It is offered only for notebooks on this kernel.
// Must not: talk to the kernel (formatting runs in the browser), or change a cell of another
// kernel's notebook.

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

export const KERNEL_NAME = 'spark-sql-kbase';
const FORMAT = 'spark-sql-kbase:format-sql';

/** Whether `panel` is a notebook on this kernel. */
export function onThisKernel(panel: NotebookPanel | null): panel is NotebookPanel {
  return panel?.sessionContext.session?.kernel?.name === KERNEL_NAME;
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
  description: 'Format SQL in Spark SQL (KBase) notebooks.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker, palette: ICommandPalette | null) => {
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
