// Small DOM helpers for the explorer: elements, labelled buttons, TSV.
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

/** Rows as tab-separated text with a header line (NULL for nulls). */
export function tsv(names: string[], rows: (string | null)[][]): string {
  const clean = (v: string | null) => (v === null ? 'NULL' : v.replace(/[\t\n\r]/g, ' '));
  return (
    [names.map(clean), ...rows.map((r) => r.map(clean))].map((r) => r.join('\t')).join('\n') + '\n'
  );
}
