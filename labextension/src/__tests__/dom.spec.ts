// Rows copied as TSV: a header line, NULL for nulls, no tab or newline inside a cell.

import { tsv } from '../dom';

describe('copying rows', () => {
  it('writes TSV with a header and keeps each row on one line', () => {
    expect(
      tsv(
        ['a', 'b'],
        [
          ['1', null],
          ['x\ty', 'line\nbreak'],
        ],
      ),
    ).toBe('a\tb\n1\tNULL\nx y\tline break\n');
    expect(tsv(['only'], [])).toBe('only\n');
  });
});
