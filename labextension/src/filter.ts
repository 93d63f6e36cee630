// A column's filter: the form that sets it and the words that show it. The kernel turns it
// into SQL; this only collects what the user typed.
// Must not: filter rows.

import { el } from './dom';

import type { Filter, FilterOp } from './generated/protocol';

const OPS: [FilterOp, string][] = [
  ['contains', 'contains'],
  ['equals', '='],
  ['less', '<'],
  ['greater', '>'],
  ['between', 'between'],
  ['is_null', 'is null'],
  ['not_null', 'is not null'],
];

/** How a filter reads, e.g. `gene contains "abc"`. */
export function filterLabel(name: string, f: Filter): string {
  const op = OPS.find(([o]) => o === f.op)?.[1] ?? f.op;
  if (f.op === 'is_null' || f.op === 'not_null') {
    return `${name} ${op}`;
  }
  if (f.op === 'between') {
    return `${name} between ${f.value} and ${f.value2}`;
  }
  return `${name} ${op} "${f.value}"`;
}

/** The form for one column's filter; `done` gets the filter, or null to clear it. */
export function filterForm(
  index: number,
  column: { name: string; type: string; numeric: boolean },
  existing: Filter | null,
  done: (filter: Filter | null) => void,
): HTMLFormElement {
  const form = el('form', 'spark-sql-explorer-form') as HTMLFormElement;
  form.setAttribute('aria-label', `Filter ${column.name}`);
  const op = el('select') as HTMLSelectElement;
  op.setAttribute('aria-label', 'Filter operator');
  const text = column.type === 'string';
  for (const [value, label] of OPS) {
    if (value === 'contains' && !text) {
      continue;
    }
    const option = el('option', '', label) as HTMLOptionElement;
    option.value = value;
    option.selected = existing?.op === value;
    op.append(option);
  }
  const value = el('input') as HTMLInputElement;
  value.setAttribute('aria-label', 'Filter value');
  value.value = existing?.value ?? '';
  const value2 = el('input') as HTMLInputElement;
  value2.setAttribute('aria-label', 'Upper bound');
  value2.value = existing?.value2 ?? '';
  const shape = () => {
    value.hidden = op.value === 'is_null' || op.value === 'not_null';
    value2.hidden = op.value !== 'between';
  };
  op.onchange = shape;
  shape();
  const apply = el('button', '', 'Apply filter') as HTMLButtonElement;
  apply.type = 'submit';
  const clear = el('button', '', 'Clear filter') as HTMLButtonElement;
  clear.type = 'button';
  clear.onclick = () => done(null);
  form.append(el('span', '', `${column.name}:`), op, value, value2, apply, clear);
  form.onsubmit = (e) => {
    e.preventDefault();
    done({ column: index, op: op.value as FilterOp, value: value.value, value2: value2.value });
  };
  return form;
}
