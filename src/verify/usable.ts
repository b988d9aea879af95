// Whether a statement can use an index at all, from what it mentions: the planner only considers
// an index for a condition, join, ordering or grouping on its columns, or for an index-only scan
// of columns the statement reads. An index it cannot use leaves its plan (and cost) unchanged.
import type { IndexCandidate, ParsedStatement, TableAccess } from '../types.js';

/** Per statement, per table name: the columns it mentions, or 'any' when it cannot be told. */
const mentionsOf = new WeakMap<ParsedStatement, Map<string, Set<string> | 'any'>>();

export function mentionedColumns(t: TableAccess): Set<string> | 'any' {
  // `SELECT *` reads every column; `SELECT count(*)` reads none, and any index serves a full
  // index-only scan of it.
  if (t.columnsRead.includes('*')) return 'any';
  const cols = new Set<string>([...t.columnsRead, ...t.joinColumns]);
  for (const p of t.predicates) {
    if (p.key.column) cols.add(p.key.column);
    for (const c of p.key.expressionColumns ?? []) cols.add(c);
  }
  for (const o of t.orderBy) {
    if (o.key.column) cols.add(o.key.column);
    for (const c of o.key.expressionColumns ?? []) cols.add(c);
  }
  for (const g of t.groupBy) {
    if (g.column) cols.add(g.column);
    for (const c of g.expressionColumns ?? []) cols.add(c);
  }
  if (t.write) for (const c of t.write.columns) cols.add(c);
  return cols.size === 0 ? 'any' : cols;
}

function mentions(stmt: ParsedStatement): Map<string, Set<string> | 'any'> {
  let m = mentionsOf.get(stmt);
  if (!m) {
    m = new Map();
    for (const t of stmt.tables) {
      const have = m.get(t.table);
      const mine = mentionedColumns(t);
      if (have === 'any' || mine === 'any') m.set(t.table, 'any');
      else m.set(t.table, new Set([...(have ?? []), ...mine]));
    }
    mentionsOf.set(stmt, m);
  }
  return m;
}

/**
 * False only when the statement certainly cannot use the index: it mentions none of the index's
 * columns. Expression keys and partial indexes are always possible (their columns are not listed).
 */
export function mayUse(stmt: ParsedStatement, c: IndexCandidate): boolean {
  const cols = mentions(stmt).get(c.table);
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
    if (!m) byColumn.set(c.table, (m = new Map()));
    for (const col of new Set([...c.columns.map((k) => k.column!), ...c.include])) push(m, col, c);
  }
  return (stmt) => {
    const out = new Set<IndexCandidate>();
    for (const [table, cols] of mentions(stmt)) {
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
