// The view's paging state, as pure functions: where a row, a resize or the last page lands,
// and how the range reads.

import { clampStart, lastPageStart, pageOfRow, rangeLabel, resized } from '../paging';

describe('paging', () => {
  it('finds the page that holds a row, 1-based', () => {
    expect(pageOfRow(1, 100)).toBe(0);
    expect(pageOfRow(100, 100)).toBe(0);
    expect(pageOfRow(101, 100)).toBe(100);
    expect(pageOfRow(5_000_001, 25)).toBe(5_000_000);
    expect(pageOfRow(0, 25)).toBe(0);
  });

  it('keeps a start within the result once its total is known', () => {
    expect(clampStart(-25, 25, null)).toBe(0);
    expect(clampStart(500, 25, null)).toBe(500);
    expect(clampStart(500, 25, 130)).toBe(125);
    expect(clampStart(125, 25, 130)).toBe(125);
    expect(clampStart(50, 25, 0)).toBe(0);
  });

  it('goes to the last page and keeps the view when the size changes', () => {
    expect(lastPageStart(130, 25)).toBe(125);
    expect(lastPageStart(100, 25)).toBe(75);
    expect(lastPageStart(0, 25)).toBe(0);
    expect(resized(250, 100)).toBe(200);
    expect(resized(250, 500)).toBe(0);
  });

  it('says where the view is, of how many, and whether it is filtered', () => {
    const range = { start: 100, shown: 100, total: 1234, more: false, filtered: false };
    expect(rangeLabel(range, 'en-US')).toBe('Rows 101–200 of 1,234');
    expect(rangeLabel({ ...range, total: null, more: true }, 'en-US')).toBe(
      'Rows 101–200 of more than 200',
    );
    expect(rangeLabel({ ...range, filtered: true }, 'en-US')).toBe(
      'Rows 101–200 of 1,234 (filtered)',
    );
    expect(rangeLabel({ start: 0, shown: 0, total: 0, more: false, filtered: true }, 'en-US')).toBe(
      'No rows of 0 (filtered)',
    );
  });
});
