import type { ParsedStatement, WorkloadStatement } from '../types.js';
import { type ColumnLookup, StatementAnalyzer } from './analyze.js';
import type { AssumedBound } from './assumedRanges.js';
import { asNode, type Node, stringValues, walk } from './ast.js';
import { decideConstants, type InferredConstant, substituteParams } from './constants.js';
import { expandFoldedLists } from './foldedLists.js';
import { parseSql } from './parser.js';
import { readEquivalent, repairForExplain } from './repair.js';

/**
 * Parses one workload statement: what it does with each table, and the text to EXPLAIN.
 * Never throws: a statement that cannot be parsed comes back with `error` set.
 */
export function parseStatement(
  stmt: Pick<WorkloadStatement, 'id' | 'query' | 'constants'>,
  lookup?: ColumnLookup,
  opts: { limit?: number; textSearchConfig?: string; inferred?: InferredConstant[]; assumed?: AssumedBound[] } = {},
): ParsedStatement {
  const parsed = parseSql(expandFoldedLists(stmt.query));
  if (!parsed.ok) return { id: stmt.id, kind: 'other', paramCount: 0, tables: [], error: `cannot parse: ${parsed.error}` };
  if (parsed.stmts.length !== 1) {
    return { id: stmt.id, kind: 'other', paramCount: 0, tables: [], error: `expected one statement, found ${parsed.stmts.length}` };
  }
  const ast = parsed.stmts[0]!;
  const { recovered, notes } = recoverTextSearchConfig(ast, opts.textSearchConfig);
  try {
    const analyzed = new StatementAnalyzer(lookup).analyze(ast);
    const { kind } = analyzed;
    if (kind === 'other') return { id: stmt.id, kind, paramCount: 0, tables: analyzed.tables, error: 'not a query (utility statement)' };
    // Recovered constants (src/parse/constants.ts): candidates see certain and inferred values as
    // literals; the text costed has the certain ones only.
    const constants = decideConstants(analyzed.tables, stmt.constants, opts.inferred, opts.assumed);
    recovered.push(...constants.recovered);
    const substituted = constants.analyze.size || constants.sites.size;
    const tables = substituted
      ? new StatementAnalyzer(lookup).analyze(substituteParams(ast, constants.analyze, constants.sites)).tables
      : analyzed.tables;
    const costed =
      constants.explain.size || constants.explainSites.size ? substituteParams(ast, constants.explain, constants.explainSites) : ast;
    // A write is costed through the query that finds its rows (repair.ts, readEquivalent), unless
    // its target is not a table of the catalog (a view has no ctid): then as it is.
    const target = tables.find((t) => t.write);
    const read = kind !== 'select' && (!lookup || !target || lookup(target.schema, target.table)) ? readEquivalent(costed) : undefined;
    const repaired = repairForExplain(read?.select ?? costed, opts);
    const used = new Set(repaired.usedParams);
    // A parameter the text no longer uses, or that stands bare where a column gave it its type,
    // gets no type from context: declare it text.
    const untyped = new Set(read?.untypedParams);
    const numeric = new Set(repaired.numericParams);
    let paramCount = repaired.paramCount;
    walk(ast, (type, body) => {
      if (type === 'ParamRef' && typeof body.number === 'number') paramCount = Math.max(paramCount, body.number);
      return undefined;
    });
    const paramTypes = Array.from({ length: paramCount }, (_, i) =>
      !used.has(i + 1) || untyped.has(i + 1) ? 'text' : numeric.has(i + 1) ? 'numeric' : 'unknown',
    );
    const out: ParsedStatement = { id: stmt.id, kind, explainText: repaired.text, paramCount, paramTypes, tables };
    if (recovered.length) out.recovered = recovered;
    if (read) notes.push(read.note);
    if (notes.length) out.notes = notes;
    return out;
  } catch (err) {
    // The analyzer walks arbitrary ASTs; a shape it does not know must cost one statement, not the run.
    return { id: stmt.id, kind: 'other', paramCount: 0, tables: [], error: `cannot analyze: ${(err as Error).message}` };
  }
}

/**
 * pg_stat_statements turns `to_tsvector('english', body)` into `to_tsvector($2, body)`, which no
 * longer matches an index on the expression. The configuration is put back from the server's
 * default_text_search_config (what a one-argument call would use), and said so in the report.
 */
function recoverTextSearchConfig(ast: Node, config: string | undefined) {
  const recovered: NonNullable<ParsedStatement['recovered']> = [];
  const notes: string[] = [];
  walk(ast, (type, body) => {
    if (type !== 'FuncCall' || stringValues(body.funcname).pop() !== 'to_tsvector') return;
    const args = body.args;
    const first = asNode(args?.[0], 'ParamRef');
    if (!args || !first || args.length !== 2) return;
    if (!config) {
      notes.push(
        `to_tsvector($${first.number}, ...): the text search configuration was normalized away; no full-text index can be advised for it`,
      );
      return;
    }
    const value = config.replace(/^pg_catalog\./, '');
    args[0] = { A_Const: { sval: { sval: value } } };
    recovered.push({ param: first.number!, value: `'${value}'`, source: 'default_text_search_config', certain: true });
  });
  return { recovered, notes };
}
