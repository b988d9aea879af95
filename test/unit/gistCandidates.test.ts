// GiST candidates: ranges and multiranges, geometric types, trigram similarity and nearest-first
// ORDER BY col <-> value LIMIT (with pg_trgm), PostGIS operators (with postgis); what the parser
// records for them (an operator predicate, the distance ordering).
import { beforeAll, describe, expect, it } from 'vitest';
import { generateCandidates } from '../../src/candidates/generate.js';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import type { Catalog, CatalogTable } from '../../src/types.js';

const place: CatalogTable = {
  schema: 'public',
  name: 'places',
  oid: 1,
  relkind: 'r',
  extensionOwned: false,
  rows: 100_000,
  bytes: 8_000_000,
  columns: [
    { name: 'id', type: 'integer', notNull: true },
    { name: 'name', type: 'text', notNull: true },
    { name: 'during', type: 'tstzrange', notNull: false },
    { name: 'slots', type: 'int4multirange', notNull: false },
    { name: 'pos', type: 'point', notNull: false },
    { name: 'area', type: 'polygon', notNull: false },
    { name: 'geom', type: 'geometry(Point,4326)', notNull: false },
  ],
  indexes: [],
  writes: { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0 },
  seqScans: 0,
  idxScans: 0,
};
const catalog = (extensions: Record<string, string>): Catalog => ({
  serverVersion: 15,
  searchPath: ['public'],
  tables: [place],
  extensions,
});
const lookup = () => place.columns.map((c) => c.name);

function candidates(sql: string, extensions: Record<string, string> = {}) {
  const p = parseStatement({ id: 'q', query: sql }, lookup);
  return generateCandidates([p], catalog(extensions))
    .candidates.filter((c) => c.method === 'gist' || c.method === 'gin')
    .map((c) => `${c.method} ${c.columns.map((x) => `${x.sql}${x.opclass ? ` ${x.opclass}` : ''}`).join(', ')}`);
}

beforeAll(async () => {
  await ensureParser();
});

describe('GiST candidates', () => {
  it('range and multirange overlap and containment', () => {
    expect(candidates('SELECT id FROM places WHERE during && $1')).toEqual(['gist during']);
    expect(candidates(`SELECT id FROM places WHERE during @> now()`)).toEqual(['gist during']);
    expect(candidates(`SELECT id FROM places WHERE slots <@ '{[1,5)}'`)).toEqual(['gist slots']);
  });

  it('geometric operators, and nearest first with ORDER BY <-> LIMIT', () => {
    expect(candidates(`SELECT id FROM places WHERE pos <@ box '((0,0),(1,1))'`)).toEqual(['gist pos']);
    expect(candidates(`SELECT id FROM places WHERE area && $1`)).toEqual(['gist area']);
    expect(candidates(`SELECT id FROM places ORDER BY pos <-> point '(1,2)' LIMIT 5`)).toEqual(['gist pos']);
    // without a LIMIT every row is read anyway: no GiST for the ordering
    expect(candidates(`SELECT id FROM places ORDER BY pos <-> $1`)).toEqual([]);
  });

  it('trigram similarity and distance with pg_trgm: GIN and GiST for %, GiST gist_trgm_ops for <-> LIMIT', () => {
    const trgm = { pg_trgm: '1.6' };
    expect(candidates(`SELECT id FROM places WHERE name % $1`, trgm)).toEqual(['gin name gin_trgm_ops', 'gist name gist_trgm_ops']);
    expect(candidates(`SELECT id FROM places ORDER BY name <-> $1 LIMIT 10`, trgm)).toEqual(['gist name gist_trgm_ops']);
    expect(candidates(`SELECT id FROM places ORDER BY name <-> $1 LIMIT 10`)).toEqual([]);
    expect(candidates(`SELECT id FROM places WHERE name % $1`)).toEqual([]);
  });

  it('PostGIS operators and <-> only where postgis is installed', () => {
    const postgis = { postgis: '3.4.0' };
    expect(candidates(`SELECT id FROM places WHERE geom && $1`, postgis)).toEqual(['gist geom']);
    expect(candidates(`SELECT id FROM places ORDER BY geom <-> $1 LIMIT 3`, postgis)).toEqual(['gist geom']);
    expect(candidates(`SELECT id FROM places WHERE geom && $1`)).toEqual([]);
  });
});
