// The last resort when no source saw a statement's constants: for `col = $n` on a few-valued column
// (pg_stats' most common values cover the column), the rows per call that pg_stat_statements
// measured name the value whose frequency × table rows matches, when exactly one does. The result
// is reported as inferred, never as known (./constants.ts).
import { findTable } from '../catalog/find.js';
import { quoteLiteral } from '../db/quote.js';
import type { Catalog, ParsedStatement, WorkloadStatement } from '../types.js';
import { asNode, nodeKind, walk } from './ast.js';
import type { InferredConstant } from './constants.js';
import { parseSql } from './parser.js';

/** The value's expected rows must be within this factor of the measured rows per call... */
const MATCH_FACTOR = 1.25;
/** ...and every other value's at least this far off. */
const OTHERS_FACTOR = 2;
/** The most common values must hold this share of the rows (the column's every value is known). */
const MCV_COVERAGE = 0.99;

export function inferConstants(parsed: ParsedStatement, stmt: WorkloadStatement, catalog: Catalog): InferredConstant[] {
  if (stmt.source !== 'pg_stat_statements' || stmt.calls < 1 || parsed.error) return [];
  // One table, one condition: the rows per call are then the rows the condition keeps.
  if (parsed.tables.length !== 1 || !['select', 'update', 'delete'].includes(parsed.kind)) return [];
  const access = parsed.tables[0]!;
  if (access.predicates.length !== 1 || access.joinColumns.length || access.groupBy.length || access.hasLimit) return [];
  const p = access.predicates[0]!;
  if (p.kind !== 'eq' || p.operator !== '=' || !p.key.column || p.params?.length !== 1 || p.orArm) return [];
  if (!returnsEveryRow(stmt.query)) return [];
  if (stmt.constants?.some((c) => c.param === p.params![0] || c.column?.column === p.key.column)) return [];
  const table = findTable(catalog, access.schema, access.table);
  const stats = table?.columns.find((c) => c.name === p.key.column)?.stats;
  const values = stats?.mostCommonVals;
  const freqs = stats?.mostCommonFreqs;
  if (!table || !values?.length || !freqs || table.rows <= 0) return [];
  if (freqs.reduce((a, f) => a + f, 0) + stats.nullFrac < MCV_COVERAGE) return [];
  const perCall = stmt.rows / stmt.calls;
  if (perCall <= 0) return [];
  const off = (f: number) => Math.max(f * table.rows, perCall) / Math.max(Math.min(f * table.rows, perCall), 1e-9);
  const ranked = values.map((v, i) => ({ v, f: freqs[i]!, off: off(freqs[i]!) })).sort((a, b) => a.off - b.off);
  const best = ranked[0]!;
  if (best.off > MATCH_FACTOR || (ranked[1] && ranked[1].off < OTHERS_FACTOR)) return [];
  const expected = Math.round(best.f * table.rows);
  return [
    {
      param: p.params[0]!,
      value: quoteLiteral(best.v),
      why:
        `${fmt(perCall)} rows per call (pg_stat_statements) match ${fmt(best.f * 100)} % of ${fmt(table.rows)} rows ` +
        `(${expected}), the frequency of ${quoteLiteral(best.v)} in pg_stats; no other value of ${p.key.column} comes close`,
    },
  ];
}

const fmt = (n: number) => (n >= 100 ? String(Math.round(n)) : String(Number(n.toPrecision(3))));

/** No aggregate, DISTINCT, set operation or subquery: the statement returns (or changes) every row its condition keeps. */
function returnsEveryRow(query: string): boolean {
  const parsed = parseSql(query);
  if (!parsed.ok || parsed.stmts.length !== 1) return false;
  const stmt = parsed.stmts[0]!;
  const select = asNode(stmt, 'SelectStmt');
  if (select && (select.distinctClause || select.groupClause || select.havingClause || select.op !== 'SETOP_NONE')) return false;
  let plain = true;
  let selects = 0;
  walk(stmt, (type, _body) => {
    if (type === 'FuncCall' || type === 'SubLink' || type === 'WindowDef') plain = false;
    if (type === 'SelectStmt') selects++;
    return undefined;
  });
  return plain && selects <= 1 && nodeKind(stmt) !== undefined;
}
