import type { ParsedStatement, WorkloadStatement } from '../types.js';
import { type ColumnLookup, StatementAnalyzer } from './analyze.js';
import { parseSql } from './parser.js';
import { repairForExplain } from './repair.js';

/**
 * Parses one workload statement: what it does with each table, and the text to EXPLAIN.
 * Never throws: a statement that cannot be parsed comes back with `error` set.
 */
export function parseStatement(
  stmt: Pick<WorkloadStatement, 'id' | 'query'>,
  lookup?: ColumnLookup,
  opts: { limit?: number } = {},
): ParsedStatement {
  const parsed = parseSql(stmt.query);
  if (!parsed.ok) return { id: stmt.id, kind: 'other', paramCount: 0, tables: [], error: `cannot parse: ${parsed.error}` };
  if (parsed.stmts.length !== 1) {
    return { id: stmt.id, kind: 'other', paramCount: 0, tables: [], error: `expected one statement, found ${parsed.stmts.length}` };
  }
  const ast = parsed.stmts[0]!;
  try {
    const { kind, tables } = new StatementAnalyzer(lookup).analyze(ast);
    if (kind === 'other') return { id: stmt.id, kind, paramCount: 0, tables, error: 'not a query (utility statement)' };
    const repaired = repairForExplain(ast, opts);
    const used = new Set(repaired.usedParams);
    // A parameter the text no longer uses gets no type from context: declare it text.
    const paramTypes = Array.from({ length: repaired.paramCount }, (_, i) => (used.has(i + 1) ? 'unknown' : 'text'));
    return { id: stmt.id, kind, explainText: repaired.text, paramCount: repaired.paramCount, paramTypes, tables };
  } catch (err) {
    // The analyzer walks arbitrary ASTs; a shape it does not know must cost one statement, not the run.
    return { id: stmt.id, kind: 'other', paramCount: 0, tables: [], error: `cannot analyze: ${(err as Error).message}` };
  }
}
