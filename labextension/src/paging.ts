// Where the view is in a result: which page a row or a request lands on, and how the range
// reads. Pure functions of the view's numbers.
// Must not: touch the DOM or ask the kernel.

import { count } from './format';

/** The first row of the page that holds row `row` (1-based) at `size` rows per page. */
export function pageOfRow(row: number, size: number): number {
  return Math.max(0, Math.floor((row - 1) / size) * size);
}

/** `start` kept within the result: not below 0, not past the last page when the total is known. */
export function clampStart(start: number, size: number, total: number | null): number {
  start = Math.max(0, start);
  if (total !== null && start >= total) {
    return Math.max(0, Math.floor((total - 1) / size) * size);
  }
  return start;
}

/** The first row of the last page. */
export function lastPageStart(total: number, size: number): number {
  return Math.max(0, Math.ceil(total / size) - 1) * size;
}

/** The page that keeps `start` in view when the page size changes to `size`. */
export function resized(start: number, size: number): number {
  return Math.floor(start / size) * size;
}

/** What the view knows of the rows: where it is, how many it shows and of how many. */
export interface Range {
  start: number;
  shown: number;
  total: number | null;
  /** More rows exist than the view has seen (the total is not known). */
  more: boolean;
  filtered: boolean;
}

/** How the range reads: `Rows 101–200 of 1,234 (filtered)`, `of more than 200`, `No rows of 0`. */
export function rangeLabel(range: Range, locale?: string): string {
  const end = range.start + range.shown;
  const seen = count(end, locale);
  const of =
    range.total !== null ? count(range.total, locale) : range.more ? `more than ${seen}` : seen;
  const filtered = range.filtered ? ' (filtered)' : '';
  return range.shown
    ? `Rows ${count(range.start + 1, locale)}–${count(end, locale)} of ${of}${filtered}`
    : `No rows of ${of}${filtered}`;
}
