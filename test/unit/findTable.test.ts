// The pure table lookup: qualified names as they are, unqualified ones along the search_path, then
// the one table of that name anywhere; indexed once per catalog, with the same answers as a scan.
import { describe, expect, it } from 'vitest';
import { findTable } from '../../src/catalog/find.js';
import type { Catalog, CatalogTable } from '../../src/types.js';
import { catalogTable } from '../support/fixtures.js';

const table = (schema: string, name: string): CatalogTable => catalogTable(schema, name);

function catalog(tables: CatalogTable[], searchPath: string[]): Catalog {
  return { serverVersion: 15, searchPath, tables, extensions: {} };
}

/** The lookup as a plain scan (what findTable did before it was indexed). */
function scan(c: Catalog, schema: string | undefined, name: string): CatalogTable | undefined {
  if (schema) return c.tables.find((t) => t.schema === schema && t.name === name);
  for (const s of c.searchPath) {
    const t = c.tables.find((x) => x.schema === s && x.name === name);
    if (t) return t;
  }
  const matches = c.tables.filter((t) => t.name === name);
  return matches.length === 1 ? matches[0] : undefined;
}

describe('findTable', () => {
  const c = catalog(
    [
      table('public', 'orders'),
      table('app', 'orders'),
      table('app', 'users'),
      table('audit', 'Log'),
      table('a', 'dup'),
      table('b', 'dup'),
      table('x.y', 'z'),
      table('x', 'y.z'),
    ],
    ['app', 'public'],
  );

  it('follows the search_path for unqualified names, in order', () => {
    expect(findTable(c, undefined, 'orders')).toBe(c.tables[1]);
    expect(findTable(c, undefined, 'users')).toBe(c.tables[2]);
    expect(findTable(catalog(c.tables, ['public', 'app']), undefined, 'orders')).toBe(c.tables[0]);
  });

  it('takes a qualified name as it is', () => {
    expect(findTable(c, 'public', 'orders')).toBe(c.tables[0]);
    expect(findTable(c, 'public', 'users')).toBeUndefined();
    expect(findTable(c, 'x.y', 'z')).toBe(c.tables[6]);
    expect(findTable(c, 'x', 'y.z')).toBe(c.tables[7]);
  });

  it('outside the search_path, finds a name only when one table has it', () => {
    expect(findTable(c, undefined, 'Log')).toBe(c.tables[3]);
    expect(findTable(c, undefined, 'log')).toBeUndefined(); // names are exact (the parser folded the case already)
    expect(findTable(c, undefined, 'dup')).toBeUndefined();
    expect(findTable(c, undefined, 'nothing')).toBeUndefined();
  });

  it('sees tables added to the catalog after a lookup', () => {
    const d = catalog([table('public', 'a')], ['public']);
    expect(findTable(d, undefined, 'b')).toBeUndefined();
    d.tables.push(table('public', 'b'));
    expect(findTable(d, undefined, 'b')).toBe(d.tables[1]);
    d.tables = [table('public', 'c')];
    expect(findTable(d, undefined, 'a')).toBeUndefined();
    expect(findTable(d, 'public', 'c')).toBe(d.tables[0]);
  });

  it('answers as a scan of the tables would, on random catalogs', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const schemas = ['public', 'app', 's1', 's2'];
    const names = ['t0', 't1', 't2', 't3', 't4', 't5'];
    for (let round = 0; round < 50; round++) {
      const tables = Array.from({ length: rnd(12) }, () => table(schemas[rnd(4)]!, names[rnd(6)]!));
      const c2 = catalog(
        tables,
        schemas.filter(() => rnd(2) === 0),
      );
      for (const schema of [undefined, ...schemas])
        for (const name of names) expect(findTable(c2, schema, name)).toBe(scan(c2, schema, name));
    }
  });
});
