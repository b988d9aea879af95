// What a new index costs the workload's writes. The planner does not price index maintenance (an
// INSERT's plan costs 0.01 whatever the indexes), so this is our own model, in planner cost units
// per call, the unit the benefits use:
// - every row inserted, and every row updated without HOT, adds one entry to the index;
// - an index on a column that UPDATEs change makes those updates non-HOT: each then adds an entry
//   to every index of the table, not just the new one;
// - deletes cost nothing at the time (vacuum removes the entries later; counted in the entry cost).
// Rows written come from the workload's own write statements (pg_stat_statements' rows), so that
// reads and writes are counted over the same window; pg_stat_user_tables' counters (since another
// reset, and including bulk loads) only give the share of updates that are HOT today.
// Bulk writes (statements that write BULK_ROWS_PER_CALL rows or more a call: a load, a backfill,
// an `INSERT … SELECT generate_series`) are not charged: a few of them would outweigh every read
// of the night, and a DBA schedules such a load apart (or drops and rebuilds indexes around it).
// They are counted apart, and the report says what each new index would add to them.
import { findTable } from '../catalog/find.js';
import type { Catalog, IndexCandidate, ParsedStatement, WorkloadStatement } from '../types.js';

/** Cost of adding one entry, by access method: descend, dirty a leaf page, WAL, later vacuum. */
export const ENTRY_COST: Record<IndexCandidate['method'], number> = { btree: 2, hash: 2, gist: 3, gin: 4, brin: 0.1 };

export interface TableWrites {
  /** Rows inserted over the workload's window. */
  inserted: number;
  /** Rows updated, with the columns their SET changes (undefined: unknown, assume any). */
  updates: Array<{ rows: number; columns?: string[] }>;
  /** Share of updates that are HOT today (pg_stat_user_tables), 0..1. */
  hotShare: number;
  indexCount: number;
  /** Bulk write statements (not charged): their ids and the rows they wrote. */
  bulk: Array<{ statementId: string; rows: number }>;
}

/** A write statement that writes this many rows a call or more is a bulk write (see above). */
export const BULK_ROWS_PER_CALL = 10_000;

export function tableWrites(workload: WorkloadStatement[], parsed: ParsedStatement[], catalog: Catalog): Map<string, TableWrites> {
  const info = new Map(workload.map((w) => [w.id, w]));
  const out = new Map<string, TableWrites>();
  const entry = (key: string, indexCount: number, hotShare: number) => {
    let w = out.get(key);
    if (!w) {
      w = { inserted: 0, updates: [], hotShare, indexCount, bulk: [] };
      out.set(key, w);
    }
    return w;
  };
  for (const p of parsed) {
    const w = info.get(p.id);
    if (!w) continue;
    for (const t of p.tables) {
      if (!t.write) continue;
      const table = findTable(catalog, t.schema, t.table);
      if (!table) continue;
      const hot = table.writes.updates > 0 ? table.writes.hotUpdates / table.writes.updates : 1;
      const rows = w.source === 'pg_stat_statements' ? w.rows : w.calls; // a workload file knows calls only
      const tw = entry(`${table.schema}.${table.name}`, table.indexes.length, hot);
      if (w.calls > 0 && rows / w.calls >= BULK_ROWS_PER_CALL) {
        tw.bulk.push({ statementId: p.id, rows });
        continue;
      }
      if (t.write.kind === 'insert') tw.inserted += rows;
      else if (t.write.kind === 'update' || t.write.kind === 'merge') tw.updates.push({ rows, columns: t.write.columns });
    }
  }
  return out;
}

/** The write cost of a candidate, in the same units as `calls × planner cost`. */
export function writeCostOf(c: IndexCandidate, writes: Map<string, TableWrites>): number {
  const w = writes.get(`${c.schema}.${c.table}`);
  if (!w) return 0;
  const perEntry = ENTRY_COST[c.method];
  const indexed = new Set([...c.columns.map((col) => col.column ?? col.sql), ...c.include]);
  const inPredicate = (col: string) => c.where !== undefined && new RegExp(`(^|[^\\w"])"?${escapeRegExp(col)}"?($|[^\\w"])`).test(c.where);
  // Columns an UPDATE sets, when known; an expression key may read any of them.
  const touchesIndexed = (cols?: string[]) =>
    cols !== undefined && (c.columns.some((col) => col.column === undefined) || cols.some((x) => indexed.has(x) || inPredicate(x)));
  let cost = w.inserted * perEntry;
  for (const u of w.updates) {
    if (touchesIndexed(u.columns)) {
      // Updates that were HOT stop being HOT: they now add an entry to every index of the table.
      cost += u.rows * (w.hotShare * (w.indexCount + 1) * ENTRY_COST.btree + (1 - w.hotShare) * perEntry);
    } else {
      cost += u.rows * (1 - w.hotShare) * perEntry;
    }
  }
  return cost;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The bulk writes that are not charged, per table, with what a new b-tree would add to them. */
export function bulkWrites(
  writes: Map<string, TableWrites>,
): Array<{ table: string; statements: number; rows: number; btreeCost: number }> {
  const out: Array<{ table: string; statements: number; rows: number; btreeCost: number }> = [];
  for (const [table, w] of writes) {
    if (w.bulk.length === 0) continue;
    const rows = w.bulk.reduce((n, b) => n + b.rows, 0);
    out.push({ table, statements: w.bulk.length, rows, btreeCost: rows * ENTRY_COST.btree });
  }
  return out.sort((a, b) => (a.table < b.table ? -1 : 1));
}
