// How filters read in the view's line of chips, for every comparison.

import { filterLabel } from '../filter';

describe('filters', () => {
  it('reads each comparison as the column line shows it', () => {
    expect(filterLabel('gene', { column: 0, op: 'contains', value: 'abc' })).toBe(
      'gene contains "abc"',
    );
    expect(filterLabel('n', { column: 1, op: 'equals', value: '3' })).toBe('n = "3"');
    expect(filterLabel('n', { column: 1, op: 'less', value: '3' })).toBe('n < "3"');
    expect(filterLabel('n', { column: 1, op: 'greater', value: '3' })).toBe('n > "3"');
    expect(filterLabel('d', { column: 2, op: 'between', value: '2020', value2: '2021' })).toBe(
      'd between 2020 and 2021',
    );
    expect(filterLabel('x', { column: 3, op: 'is_null' })).toBe('x is null');
    expect(filterLabel('x', { column: 3, op: 'not_null' })).toBe('x is not null');
  });
});
