// One catalog, two views: which tables the advice and the audit each look at, and the audit's
// model of the catalog's indexes.
import { describe, expect, it } from 'vitest';
import { auditIndexes } from '../../src/audit/fromCatalog.js';
import { adviceCatalog, catalogCovers, inAdviceScope, inAuditScope } from '../../src/catalog/scope.js';
import type { Catalog, CatalogIndex } from '../../src/types.js';
import { catalogIndex, catalogTable } from '../support/fixtures.js';

const table = catalogTable;
function index(schema: string, name: string, over: Partial<CatalogIndex> = {}): CatalogIndex {
  return catalogIndex(schema, name, {
    keys: [{ column: 'a' }, { expression: 'lower(b)' }],
    include: ['c'],
    opclasses: [null, 'text_pattern_ops'],
    positions: [
      { attnum: 1, text: 'a', column: 'a', opclass: 1978, collation: 0, option: 0 },
      { attnum: 0, text: 'lower(b)', opclass: 4000, collation: 100, option: 3 },
      { attnum: 3, text: 'c', column: 'c' },
    ],
    constraints: [{ type: 'f', name: 'fk', schema: 'My Schema', table: 'Other T' }],
    definition: `CREATE INDEX ${name} ON ${schema}.t USING btree (a, lower(b) text_pattern_ops DESC NULLS FIRST) INCLUDE (c)`,
    statsLookup: [
      { table: 't', column: 'a', isName: false },
      { table: name, column: 'lower', isName: false },
      { table: 't', column: 'c', isName: false },
    ],
    ...over,
  });
}

describe('the advice and the audit each see their own tables', () => {
  it('the advice: tables, partitioned tables and materialized views outside the system schemas, extension-owned ones too', () => {
    expect(inAdviceScope(table('public', 't'))).toBe(true);
    expect(inAdviceScope(table('public', 'p', { relkind: 'p' }))).toBe(true);
    expect(inAdviceScope(table('public', 'mv', { relkind: 'm' }))).toBe(true);
    expect(inAdviceScope(table('public', 'ext', { extensionOwned: true }))).toBe(true);
    expect(inAdviceScope(table('pg_toast', 'pg_toast_1', { relkind: 't' }))).toBe(false);
    for (const s of ['pg_catalog', 'information_schema', 'pg_toast', 'pg_toast_temp_3', 'pg_temp_3'])
      expect(inAdviceScope(table(s, 't'))).toBe(false);
  });

  it('the audit: the schemas asked for (by default the non-system ones), never an extension-owned table', () => {
    expect(inAuditScope(table('public', 't'), undefined)).toBe(true);
    expect(inAuditScope(table('public', 'mv', { relkind: 'm' }), undefined)).toBe(true);
    expect(inAuditScope(table('public', 'ext', { extensionOwned: true }), undefined)).toBe(false);
    for (const s of ['pg_catalog', 'information_schema', 'pg_toast', 'pg_toast_temp_3', 'pg_temp_3'])
      expect(inAuditScope(table(s, 't'), undefined)).toBe(false);
    expect(inAuditScope(table('app', 't'), ['public'])).toBe(false);
    expect(inAuditScope(table('pg_catalog', 'pg_class'), ['pg_catalog'])).toBe(true);
  });

  it('a catalog read for the default schemas serves an audit of user schemas, not of system ones', () => {
    const all: Catalog = { serverVersion: 15, searchPath: ['public'], tables: [], extensions: {} };
    expect(catalogCovers(all, undefined)).toBe(true);
    expect(catalogCovers(all, ['public', 'app'])).toBe(true);
    expect(catalogCovers(all, ['pg_catalog'])).toBe(false);
    const some: Catalog = { ...all, schemas: ['public', 'app'] };
    expect(catalogCovers(some, ['app'])).toBe(true);
    expect(catalogCovers(some, ['other'])).toBe(false);
    expect(catalogCovers(some, undefined)).toBe(false);
  });

  it('adviceCatalog keeps everything but the tables the advice does not look at', () => {
    const c: Catalog = {
      serverVersion: 15,
      searchPath: ['public'],
      tables: [table('public', 'a'), table('pg_toast', 'x', { relkind: 't' })],
      extensions: { hypopg: '1.4' },
    };
    const v = adviceCatalog(c);
    expect(v.tables.map((t) => t.name)).toEqual(['a']);
    expect(v.extensions).toBe(c.extensions);
    expect(c.tables).toHaveLength(2);
  });
});

describe("the audit's indexes", () => {
  it('come in schema, table, index name order as PostgreSQL sorts names (bytewise), from the tables it looks at', () => {
    const t1 = table('public', 'b_t', { indexes: [index('public', 'ä_idx'), index('public', 'Z_idx'), index('public', 'a_idx')] });
    const t2 = table('public', 'B_t', { indexes: [index('public', 'k')] });
    const t3 = table('app', 'z', { indexes: [index('app', 'z_idx')] });
    const ext = table('public', 'ext', { extensionOwned: true, indexes: [index('public', 'ext_idx')] });
    const c: Catalog = { serverVersion: 15, searchPath: ['public'], tables: [t1, ext, t2, t3], extensions: {} };
    expect(auditIndexes(c, undefined).map((ix) => `${ix.schema}.${ix.table}.${ix.name}`)).toEqual([
      'app.z.z_idx',
      'public.B_t.k',
      'public.b_t.Z_idx',
      'public.b_t.a_idx',
      'public.b_t.ä_idx',
    ]);
    expect(auditIndexes(c, ['app']).map((ix) => ix.name)).toEqual(['z_idx']);
  });

  it("keep every detail of the catalog's index, keys and INCLUDE apart", () => {
    const t = table('public', 't', { indexes: [index('public', 'ix', { parentIndex: 'parent_ix', isPartition: true })] });
    const [ix] = auditIndexes({ serverVersion: 15, searchPath: [], tables: [t], extensions: {} }, undefined);
    expect(ix).toMatchObject({
      tableOid: t.oid,
      table: 't',
      keys: [
        { attnum: 1, column: 'a', opclass: 1978 },
        { attnum: 0, text: 'lower(b)', collation: 100, option: 3 },
      ],
      include: [{ attnum: 3, column: 'c' }],
      predicate: null,
      parentIndex: 'parent_ix',
      isPartition: true,
      constraints: [{ type: 'f', name: 'fk', table: '"My Schema"."Other T"' }],
      statsLookup: t.indexes[0]!.statsLookup,
    });
  });
});
