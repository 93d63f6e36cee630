// Small DOM helpers for the explorer and the workbench's panels: elements, labelled buttons,
// search boxes, TSV.
// Must not: hold state.

/** An element with a class and text. */
export function el(tag: string, className = '', text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined) {
    node.textContent = text;
  }
  return node;
}

/** A button whose accessible name is `label` (its title says `title`, or the label). */
export function button(
  text: string,
  label: string,
  action: () => unknown,
  title?: string,
): HTMLButtonElement {
  const b = el('button', 'spark-sql-explorer-button', text) as HTMLButtonElement;
  b.type = 'button';
  b.setAttribute('aria-label', label);
  b.title = title ?? label;
  b.onclick = () => void action();
  return b;
}

/** A search box named `label` that calls `search` with its text once typing pauses. */
export function searchBox(
  placeholder: string,
  label: string,
  search: (text: string) => unknown,
): HTMLInputElement {
  const box = el('input', 'spark-sql-sidebar-filter') as HTMLInputElement;
  box.type = 'search';
  box.placeholder = placeholder;
  box.setAttribute('aria-label', label);
  let pending = 0;
  box.oninput = () => {
    window.clearTimeout(pending);
    pending = window.setTimeout(() => void search(box.value.trim()), 300);
  };
  return box;
}

/** Rows as tab-separated text with a header line (NULL for nulls). */
export function tsv(names: string[], rows: (string | null)[][]): string {
  const clean = (v: string | null) => (v === null ? 'NULL' : v.replace(/[\t\n\r]/g, ' '));
  return (
    [names.map(clean), ...rows.map((r) => r.map(clean))].map((r) => r.join('\t')).join('\n') + '\n'
  );
}
