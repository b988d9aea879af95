// PostgreSQL 18's skip scan in candidate generation: an existing (a, b) whose leading column has
// few values serves a lookup on b, so no (b) is proposed on 18; on 15 and 17, or for many values,
// ranges or orderings, it is.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCandidates } from '../../src/candidates/generate.js';
import { SKIP_SCAN_MAX_SEARCHES, skipScanSearches, skipScanServes } from '../../src/catalog/skipScan.js';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import type { Catalog, CatalogIndex, CatalogTable } from '../../src/types.js';
import { catalogIndex } from '../support/fixtures.js';

function btree(name: string, columns: string[]): CatalogIndex {
  return catalogIndex('public', name, {
    keys: columns.map((column) => ({ column })),
    opclasses: columns.map(() => null),
    positions: [],
    definition: `CREATE INDEX ${name} ON public.s USING btree (${columns.join(', ')})`,
    bytes: 8192 * 100,
    relpages: 100,
    reltuples: 200_000,
    statsLookup: [],
  });
}

function table(aDistinct: number, aNullFrac = 0): CatalogTable {
  const stats = (nDistinct: number, nullFrac = 0) => ({ nullFrac, nDistinct, avgWidth: 4 });
  return {
    schema: 'public',
    name: 's',
    oid: 1,
    relkind: 'r',
    extensionOwned: false,
    rows: 200_000,
    bytes: 16_000_000,
    columns: [
      { name: 'id', type: 'integer', notNull: true, stats: stats(-1) },
      { name: 'a', type: 'integer', notNull: false, stats: stats(aDistinct, aNullFrac) },
      { name: 'b', type: 'integer', notNull: false, stats: stats(-1) },
      { name: 'c', type: 'integer', notNull: false, stats: stats(-0.5) },
    ],
    indexes: [btree('s_a_b', ['a', 'b'])],
    writes: { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0 },
    seqScans: 0,
    idxScans: 0,
  };
}

function generate(sql: string, serverVersion: number, t = table(3)) {
  const catalog: Catalog = { serverVersion, searchPath: ['public'], tables: [t], extensions: {} };
  const p = parseStatement({ id: 'q', query: sql }, () => t.columns.map((c) => c.name));
  const out = generateCandidates([p], catalog);
  return { keys: out.candidates.map((c) => c.columns.map((x) => x.sql).join(', ')), notes: out.notes };
}

beforeAll(async () => {
  await ensureParser();
});

describe('skip scan (PostgreSQL 18)', () => {
  it('counts the searches a skip scan makes: the values of the skipped columns, NULL as one more', () => {
    expect(skipScanSearches([{ nDistinct: 3, nullFrac: 0 }])).toBe(3);
    expect(skipScanSearches([{ nDistinct: 3, nullFrac: 0.1 }])).toBe(4);
    expect(
      skipScanSearches([
        { nDistinct: 2, nullFrac: 0 },
        { nDistinct: 2, nullFrac: 0 },
      ]),
    ).toBe(4);
    // Relative n_distinct (grows with the table) and missing statistics: never "few".
    expect(skipScanSearches([{ nDistinct: -0.2, nullFrac: 0 }])).toBeUndefined();
    expect(skipScanSearches([undefined])).toBeUndefined();
    expect(skipScanServes(18, [{ nDistinct: SKIP_SCAN_MAX_SEARCHES, nullFrac: 0 }])).toBe(SKIP_SCAN_MAX_SEARCHES);
    expect(skipScanServes(18, [{ nDistinct: SKIP_SCAN_MAX_SEARCHES + 1, nullFrac: 0 }])).toBeUndefined();
    expect(skipScanServes(17, [{ nDistinct: 3, nullFrac: 0 }])).toBeUndefined();
  });

  it('proposes no (b) for WHERE b = $1 beside (a, b) on 18 when a has few values, and says why', () => {
    const on18 = generate('SELECT * FROM s WHERE b = $1', 18);
    expect(on18.keys).toEqual([]);
    expect(on18.notes).toEqual([
      'public.s (b) not proposed: on PostgreSQL 18 the existing index s_a_b serves its lookups by a skip scan over a (3 index searches instead of one).',
    ]);
    expect(generate('SELECT * FROM s WHERE b IN (1, 2, 3)', 18).keys).toEqual([]);
    // Before 18 a b-tree is searched by its leading column only.
    expect(generate('SELECT * FROM s WHERE b = $1', 17).keys).toEqual(['b']);
    expect(generate('SELECT * FROM s WHERE b = $1', 15).keys).toEqual(['b']);
  });

  it('still proposes (b) on 18 for many values of a, a range or an ordering on b, or a key the index lacks', () => {
    expect(generate('SELECT * FROM s WHERE b = $1', 18, table(50)).keys).toEqual(['b']);
    expect(generate('SELECT * FROM s WHERE b = $1', 18, table(5, 0.2)).keys).toEqual(['b']); // 5 values and NULL: 6 searches
    expect(generate('SELECT * FROM s WHERE b > $1', 18).keys).toEqual(['b']);
    expect(generate('SELECT * FROM s ORDER BY b LIMIT 10', 18).keys).toEqual(['b']);
    // (b, c) is not in (a, b): proposed; (b) alone is served by the skip scan.
    expect(generate('SELECT * FROM s WHERE b = $1 AND c = $2', 18).keys).toEqual(['c', 'b, c']);
  });
});
