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
