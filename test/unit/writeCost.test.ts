// The write-cost model: rows the workload's own write statements wrote, with bulk writes (a load,
// a backfill) counted apart and not charged to new indexes.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import { BULK_ROWS_PER_CALL, bulkWrites, tableWrites, writeCostOf } from '../../src/select/writeCost.js';
import type { Catalog, IndexCandidate, WorkloadStatement } from '../../src/types.js';

const catalog: Catalog = {
  serverVersion: 15,
  searchPath: ['public'],
  extensions: {},
  tables: [
    {
      schema: 'public',
      name: 'events',
      oid: 1,
      relkind: 'r',
      extensionOwned: false,
      rows: 1e6,
      bytes: 1e8,
      columns: ['id', 'kind', 'created_at'].map((name) => ({ name, type: 'text', notNull: false })),
      indexes: [],
      writes: { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0 },
      seqScans: 0,
      idxScans: 0,
    },
  ],
};

const stmt = (id: string, query: string, calls: number, rows: number): WorkloadStatement => ({
  id,
  query,
  calls,
  rows,
  totalExecMs: calls,
  meanExecMs: 1,
  sharedBlksHit: 0,
  sharedBlksRead: 0,
  source: 'pg_stat_statements',
});

const index: IndexCandidate = {
  key: 'k',
  schema: 'public',
  table: 'events',
  method: 'btree',
  columns: [{ sql: 'kind', column: 'kind' }],
  include: [],
  statementIds: [],
  reasons: [],
};

beforeAll(async () => {
  await ensureParser();
});

describe('write cost', () => {
  it('charges the rows the ordinary writes wrote, not the bulk ones, and says what the bulk ones would add', () => {
    const workload = [
      stmt('ins', 'INSERT INTO events (id, kind) VALUES ($1, $2)', 5000, 5000),
      stmt('load', 'INSERT INTO events (id, kind) SELECT g, $1 FROM generate_series($2, $3) g', 3, 3 * 200_000),
    ];
    const lookup = (_s: string | undefined, t: string) => catalog.tables.find((x) => x.name === t)?.columns.map((c) => c.name);
    const parsed = workload.map((w) => parseStatement(w, lookup));
    const writes = tableWrites(workload, parsed, catalog);
    // 5,000 rows × 2 cost units a b-tree entry; the 600,000 rows of the load are not charged.
    expect(writeCostOf(index, writes)).toBe(10_000);
    expect(bulkWrites(writes)).toEqual([{ table: 'public.events', statements: 1, rows: 600_000, btreeCost: 1_200_000 }]);
    expect(BULK_ROWS_PER_CALL).toBe(10_000);
  });
});
