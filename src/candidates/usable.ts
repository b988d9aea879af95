// Whether a statement can use an index at all, from what it mentions: the planner only considers
// an index for a condition, join, ordering or grouping on its columns, or for an index-only scan
// of columns the statement reads. An index it cannot use leaves its plan (and cost) unchanged.
import type { IndexCandidate, ParsedStatement, TableAccess } from '../types.js';

export interface Mentions {
  /** Columns of the table the statement reads, filters, joins, orders or groups by. */
  columns: ReadonlySet<string>;
  /** `SELECT *`: it reads every column (the list above has only those it names). */
  readsAll: boolean;
}

const mentionsOfAccess = new WeakMap<TableAccess, Mentions>();

/**
 * The columns of one table a statement mentions. The columns an UPDATE sets are not among them:
 * an index on them does not help find the rows (it costs the write, which select/ counts apart).
 */
export function mentionedColumns(t: TableAccess): Mentions {
  let m = mentionsOfAccess.get(t);
  if (m) return m;
  const cols = new Set<string>(t.joinColumns);
  for (const c of t.columnsRead) if (c !== '*') cols.add(c);
  for (const k of [...t.predicates.map((p) => p.key), ...t.orderBy.map((o) => o.key), ...t.groupBy]) {
    if (k.column) cols.add(k.column);
    for (const c of k.expressionColumns ?? []) cols.add(c);
  }
  m = { columns: cols, readsAll: t.columnsRead.includes('*') };
  mentionsOfAccess.set(t, m);
  return m;
}

/**
 * Per table name, the columns the statement mentions, or 'any' where any index may serve it:
 * `SELECT *` (an index-only scan is out of the question, but this stays on the safe side), or
 * `SELECT count(*)`, which mentions no column and which a full index-only scan of any index serves.
 */
const usableColumnsOf = new WeakMap<ParsedStatement, Map<string, ReadonlySet<string> | 'any'>>();

function usableColumns(stmt: ParsedStatement): Map<string, ReadonlySet<string> | 'any'> {
  let m = usableColumnsOf.get(stmt);
  if (!m) {
    m = new Map();
    for (const t of stmt.tables) {
      const have = m.get(t.table);
      const mine = mentionedColumns(t);
      if (have === 'any' || mine.readsAll || mine.columns.size === 0) m.set(t.table, 'any');
      else m.set(t.table, new Set([...(have ?? []), ...mine.columns]));
    }
    usableColumnsOf.set(stmt, m);
  }
  return m;
}

/**
 * False only when the statement certainly cannot use the index: it mentions none of the index's
 * columns. Expression keys and partial indexes are always possible (their columns are not listed).
 */
export function mayUse(stmt: ParsedStatement, c: IndexCandidate): boolean {
  const cols = usableColumns(stmt).get(c.table);
  if (cols === undefined || cols === 'any' || c.where) return true;
  for (const k of c.columns) if (k.column === undefined || cols.has(k.column)) return true;
  return c.include.some((x) => cols.has(x));
}

/**
 * The same test as `mayUse` for many candidates at once: the candidates each statement may use,
 * found through the columns it mentions instead of by trying every candidate of its tables
 * (screening at 5,000 statements spent seconds on those tries).
 */
export function usableCandidates(candidates: IndexCandidate[]): (stmt: ParsedStatement) => IndexCandidate[] {
  const all = new Map<string, IndexCandidate[]>();
  /** Expression keys and partial indexes: possible whenever the table is read. */
  const always = new Map<string, IndexCandidate[]>();
  const byColumn = new Map<string, Map<string, IndexCandidate[]>>();
  const push = <K, V>(m: Map<K, V[]>, k: K, v: V) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for (const c of candidates) {
    push(all, c.table, c);
    if (c.where || c.columns.some((k) => k.column === undefined)) {
      push(always, c.table, c);
      continue;
    }
    let m = byColumn.get(c.table);
    if (!m) {
      m = new Map();
      byColumn.set(c.table, m);
    }
    for (const col of new Set([...c.columns.map((k) => k.column!), ...c.include])) push(m, col, c);
  }
  return (stmt) => {
    const out = new Set<IndexCandidate>();
    for (const [table, cols] of usableColumns(stmt)) {
      if (cols === 'any') {
        for (const c of all.get(table) ?? []) out.add(c);
        continue;
      }
      for (const c of always.get(table) ?? []) out.add(c);
      const m = byColumn.get(table);
      if (m) for (const col of cols) for (const c of m.get(col) ?? []) out.add(c);
    }
    return [...out];
  };
}
