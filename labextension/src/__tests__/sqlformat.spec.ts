// Format SQL: what is kept (magics, parameters, comments, strings, scripts), what a statement
// the formatter cannot read becomes, and the corpus of tests/format/corpus.sql formatted twice.
// With SQL_FORMAT_CORPUS_OUT set, the corpus and its formatting are written there as JSON for
// tests/python/test_format.py, which compares their plans on a real Spark server.

import * as fs from 'fs';
import * as path from 'path';
import { formatSql, statements } from '../sqlformat';

const CORPUS = path.join(__dirname, '..', '..', '..', 'tests', 'format', 'corpus.sql');

/** The corpus's statements (blocks between `-- ----` lines, after its header). */
function corpus(): string[] {
  const text = fs.readFileSync(CORPUS, 'utf8');
  const body = text.slice(text.indexOf('\n\n') + 2);
  return body
    .split(/^-- ----$/m)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

describe('formatSql', () => {
  it('lays out a statement and keeps the magic lines as they are', () => {
    const cell = '%%export out.csv\n%limit 5\nselect id, organism from genomes where id > 1';
    const { text, unparsed } = formatSql(cell);
    expect(text).toBe(
      '%%export out.csv\n%limit 5\nselect\n  id,\n  organism\nfrom\n  genomes\nwhere\n  id > 1',
    );
    expect(unparsed).toEqual([]);
  });

  it('keeps parameters, comments and string literals', () => {
    const { text } = formatSql(
      "SELECT * FROM t -- why\nWHERE a = ${limit} AND b = :name AND c = 'x  ;  y' /* keep */",
    );
    expect(text).toContain('${limit}');
    expect(text).toContain(':name');
    expect(text).toContain('-- why');
    expect(text).toContain('/* keep */');
    expect(text).toContain("'x  ;  y'");
  });

  it('formats each statement, and leaves one it cannot read as written', () => {
    const { text, unparsed } = formatSql('select 1;\nSELECT ) broken (;\nselect 2');
    expect(text).toBe('select\n  1;\n\nSELECT ) broken (;\n\nselect\n  2');
    expect(unparsed).toEqual(['SELECT ) broken (']);
  });

  it('keeps a script and what follows it as written', () => {
    const cell = 'select 1;\nBEGIN\n  DECLARE x INT;\n  SELECT   x;\nEND;\nselect   2';
    const { text, keptScript } = formatSql(cell);
    expect(keptScript).toBe(true);
    expect(text).toBe('select\n  1;\n\nBEGIN\n  DECLARE x INT;\n  SELECT   x;\nEND;\nselect   2');
  });

  it('splits statements at semicolons outside strings, names and comments', () => {
    const pieces = statements("SELECT ';' AS `a;b` -- c;d\n/* e; /* f; */ g; */;SELECT 2");
    expect(pieces.map((p) => p.ended)).toEqual([true, false]);
    expect(pieces[1].text).toBe('SELECT 2');
  });

  it('leaves blank and magic-only cells alone', () => {
    expect(formatSql('').text).toBe('');
    expect(formatSql('%whoami\n').text).toBe('%whoami\n');
  });

  it('formats the corpus, and formatting twice changes nothing', () => {
    const statements = corpus();
    expect(statements.length).toBeGreaterThanOrEqual(50);
    const results = statements.map((original) => {
      const once = formatSql(original);
      const twice = formatSql(once.text);
      expect(twice.text).toBe(once.text);
      return { original, formatted: once.text, unparsed: once.unparsed, script: once.keptScript };
    });
    const changed = results.filter((r) => r.formatted !== r.original);
    expect(changed.length).toBeGreaterThanOrEqual(50);
    const out = process.env.SQL_FORMAT_CORPUS_OUT;
    if (out) {
      fs.writeFileSync(out, JSON.stringify(results, null, 2));
    }
  });
});
