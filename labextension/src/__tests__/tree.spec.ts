// The catalog sidebar's tree as data: rows in order as levels open, nested fields from their
// column, the filter over what is loaded, type-ahead, the drawn window, names to insert.

import { CatalogTree, insertable, typeAhead, windowOf } from '../tree';

function loaded(): CatalogTree {
  const tree = new CatalogTree();
  tree.setChildren(
    [],
    [
      { name: 'spark_catalog', kind: 'catalog' },
      { name: 'many', kind: 'catalog' },
    ],
  );
  return tree;
}

describe('CatalogTree', () => {
  it('opens level by level, asking the kernel once per level', () => {
    const tree = loaded();
    const [catalog] = tree.rows();
    expect(tree.toggle(catalog.path, catalog.node)).toBe(true);
    tree.setLoading(catalog.path);
    expect(tree.rows()[0].loading).toBe(true);
    tree.setChildren(catalog.path, [{ name: 'genomes db', kind: 'namespace' }]);
    const rows = tree.rows();
    expect(rows.map((r) => [r.path.join('.'), r.level, r.expanded])).toEqual([
      ['spark_catalog', 1, true],
      ['spark_catalog.genomes db', 2, false],
      ['many', 1, false],
    ]);
    expect(tree.toggle(catalog.path, catalog.node)).toBe(false);
    expect(tree.rows()).toHaveLength(2);
    expect(tree.toggle(catalog.path, catalog.node)).toBe(false);
    expect(tree.rows()).toHaveLength(3);
  });

  it('unfolds nested struct fields from their column, with no request', () => {
    const tree = loaded();
    tree.toggle(['spark_catalog'], { name: 'spark_catalog', kind: 'catalog' });
    tree.setChildren(['spark_catalog'], [{ name: 'db', kind: 'namespace' }]);
    tree.toggle(['spark_catalog', 'db'], { name: 'db', kind: 'namespace' });
    tree.setChildren(['spark_catalog', 'db'], [{ name: 'hits', kind: 'table' }]);
    tree.toggle(['spark_catalog', 'db', 'hits'], { name: 'hits', kind: 'table' });
    const hit = {
      name: 'hit',
      kind: 'column' as const,
      type: 'struct<score:double,loc:array<struct<start:int>>>',
      fields: [
        { name: 'score', kind: 'field' as const, type: 'double' },
        {
          name: 'loc',
          kind: 'field' as const,
          type: 'array<struct<start:int>>',
          fields: [{ name: 'start', kind: 'field' as const, type: 'int' }],
        },
      ],
    };
    tree.setChildren(['spark_catalog', 'db', 'hits'], [hit]);
    const path = ['spark_catalog', 'db', 'hits', 'hit'];
    expect(tree.toggle(path, hit)).toBe(false);
    expect(tree.toggle([...path, 'loc'], hit.fields[1])).toBe(false);
    const names = tree.rows().map((r) => `${r.level}:${r.node.name}`);
    expect(names).toEqual([
      '1:spark_catalog',
      '2:db',
      '3:hits',
      '4:hit',
      '5:score',
      '5:loc',
      '6:start',
      '1:many',
    ]);
    expect(tree.matching('STAR').map((r) => r.path.join('.'))).toEqual([
      'spark_catalog.db.hits.hit.loc.start',
    ]);
  });

  it("says an empty level has nothing to open, and keeps a level's error", () => {
    const tree = loaded();
    tree.toggle(['many'], { name: 'many', kind: 'catalog' });
    tree.setChildren(['many'], []);
    expect(tree.rows()[1].expandable).toBe(false);
    tree.setError(['spark_catalog'], 'no');
    expect(tree.rows()[0].error).toBe('no');
  });
});

describe('helpers', () => {
  it('finds the next row by the letters typed', () => {
    const rows = loaded().rows();
    expect(typeAhead(rows, 0, 'm')).toBe(1);
    expect(typeAhead(rows, 1, 'SP')).toBe(0);
    expect(typeAhead(rows, 1, 'zz')).toBe(1);
  });

  it('draws only the rows in view, with some spare', () => {
    expect(windowOf(0, 240, 24, 20000)).toEqual([0, 20]);
    expect(windowOf(24 * 10000, 240, 24, 20000)).toEqual([9990, 10020]);
    expect(windowOf(24 * 19995, 240, 24, 20000)).toEqual([19985, 20000]);
  });

  it('inserts qualified names, quoted where SQL needs it', () => {
    expect(insertable(['spark_catalog', 'my db', 'genomes'], 'table')).toBe(
      'spark_catalog.`my db`.genomes',
    );
    expect(insertable(['c', 'n', 't', 'hit', 'lo`c'], 'field')).toBe('hit.`lo``c`');
  });
});
