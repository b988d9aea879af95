// Which statements an index serves selectively. A small cut of a statement's cost counts (see
// scoring.ts) only where the new plan reads a small part of a table through the index: a lookup,
// a narrow range, the first rows of an ordered scan. A bitmap scan over a third of a table also
// lowers the planner's cost a little, but that is where its estimates are least trustworthy and
// where a DBA would not spend an index.
import type { ScanEstimate } from '../types.js';

/** A scan through a new index is selective when it reads at most this share of its table's rows. */
export const SELECTIVE_SHARE = 0.1;

/**
 * The statements whose best screening plan reads some table selectively through a candidate.
 * `tableRows` maps `schema.table` to the table's row estimate; a scan's table is looked up among
 * the tables its statement reads, then anywhere (partitions).
 */
export function selectiveStatements(
  candidateScans: ReadonlyMap<string, ScanEstimate[]>,
  tablesOf: ReadonlyMap<string, ReadonlySet<string>>,
  tableRows: ReadonlyMap<string, number>,
): Set<string> {
  const byName = new Map<string, number | undefined>();
  for (const [qualified, rows] of tableRows) {
    const name = qualified.slice(qualified.indexOf('.') + 1);
    byName.set(name, byName.has(name) ? undefined : rows);
  }
  const rowsOf = (id: string, sc: ScanEstimate): number | undefined => {
    if (sc.schema !== undefined) return tableRows.get(`${sc.schema}.${sc.relation}`);
    const mine = [...(tablesOf.get(id) ?? [])].find((t) => t.slice(t.indexOf('.') + 1) === sc.relation);
    return mine !== undefined ? tableRows.get(mine) : byName.get(sc.relation);
  };
  const out = new Set<string>();
  for (const [id, scans] of candidateScans) {
    for (const sc of scans) {
      const tableRowCount = rowsOf(id, sc);
      if (tableRowCount === undefined || tableRowCount <= 0) continue;
      if (rowsRead(sc) <= SELECTIVE_SHARE * tableRowCount) {
        out.add(id);
        break;
      }
    }
  }
  return out;
}

/** Rows a scan reads per loop: a Limit above it stops it early; a parallel scan's rows are per process. */
function rowsRead(sc: ScanEstimate): number {
  const rows = sc.limit ? Math.min(sc.rows, sc.limit.rows) : sc.rows;
  return sc.parallel ? rows * ((sc.gather?.workers ?? 0) + 1) : rows;
}
