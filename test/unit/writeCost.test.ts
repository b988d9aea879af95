// The write-cost model: rows the workload's own write statements wrote, with bulk writes (a load,
// a backfill) counted apart and not charged to new indexes.
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureParser } from '../../src/parse/parser.js';
import { parseStatement } from '../../src/parse/parseStatement.js';
import { BULK_ROWS_PER_CALL, bulkWrites, tableWrites, writeCostOf } from '../../src/select/writeCost.js';
import type { Catalog } from '../../src/types.js';
import { candidate, catalogTable, workloadStatement } from '../support/fixtures.js';

const catalog: Catalog = {
  serverVersion: 15,
  searchPath: ['public'],
  extensions: {},
  tables: [
    catalogTable('public', 'events', {
      rows: 1e6,
      bytes: 1e8,
      columns: ['id', 'kind', 'created_at'].map((name) => ({ name, type: 'text', notNull: false })),
    }),
  ],
};

const index = candidate('events', ['kind']);

beforeAll(async () => {
  await ensureParser();
});

describe('write cost', () => {
  it('charges the rows the ordinary writes wrote, not the bulk ones, and says what the bulk ones would add', () => {
    const workload = [
      workloadStatement('ins', 'INSERT INTO events (id, kind) VALUES ($1, $2)', 5000),
      workloadStatement('load', 'INSERT INTO events (id, kind) SELECT g, $1 FROM generate_series($2, $3) g', 3, { rows: 3 * 200_000 }),
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
