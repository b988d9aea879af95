// pg_stat_statements replaces constants with `$n` even where the grammar wants a literal
// (`date $1`, `interval $2 day`, `EXTRACT($3 FROM x)`); the server rejects that text. Printing the
// AST back with pgsql-deparser turns the typed literals into casts (`CAST($1 AS date)`); the few
// places where a parameter can never stand are rewritten to a harmless constant.
import { asNode, type Node, stringValues, walk } from './ast.js';
import { deparse } from './parser.js';

export interface RepairedText {
  text: string;
  /** Highest `$n` in the text (PREPARE must declare that many). */
  paramCount: number;
  /** `$n` numbers that the text still uses (others were rewritten away). */
  usedParams: number[];
  /**
   * `$n` numbers that must be declared numeric: arithmetic between two parameters (`$5 + $6` where
   * the query said `1 + 10`), or a CASE of parameters summed (`sum(CASE … THEN $3 ELSE $4 END)`).
   * Left unknown, the server stops at "operator is not unique: unknown + unknown" or `sum(text)`.
   */
  numericParams: number[];
}

const ARITHMETIC = new Set(['+', '-', '*', '/', '%']);
const NUMERIC_AGGREGATES = new Set(['sum', 'avg']);

export interface RepairOptions {
  /**
   * Value for a `LIMIT $n` parameter. A generic plan assumes a parameterised LIMIT keeps 10% of the
   * rows, which misprices `ORDER BY ... LIMIT` badly; pg_stat_statements' rows per call tells the
   * real figure.
   */
  limit?: number;
}

export function repairForExplain(stmt: Node, opts: RepairOptions = {}): RepairedText {
  const copy = structuredClone(stmt);
  walk(copy, (type, body) => {
    if (type === 'SelectStmt' && opts.limit !== undefined && asNode(body.limitCount, 'ParamRef')) {
      body.limitCount = { A_Const: { ival: { ival: Math.max(1, Math.round(opts.limit)) } } };
    }
    // EXTRACT(field FROM x): the field must be a keyword; the planner's cost does not depend on it.
    if (type === 'FuncCall' && stringValues(body.funcname).pop() === 'extract' && body.args && asNode(body.args[0], 'ParamRef')) {
      body.args[0] = { A_Const: { sval: { sval: 'epoch' } } };
    }
  });
  const used = new Set<number>();
  walk(copy, (type, body) => {
    if (type === 'ParamRef' && typeof body.number === 'number') used.add(body.number);
  });
  const usedParams = [...used].sort((a, b) => a - b);
  const numeric = new Set<number>();
  const paramOf = (n: Node | undefined): number | undefined => asNode(n, 'ParamRef')?.number;
  walk(copy, (type, body) => {
    if (type === 'A_Expr' && body.kind === 'AEXPR_OP' && ARITHMETIC.has(stringValues(body.name)[0] ?? '')) {
      const l = paramOf(body.lexpr);
      const r = paramOf(body.rexpr);
      if (l !== undefined && r !== undefined) numeric.add(l).add(r);
      if (!body.lexpr && r !== undefined) numeric.add(r); // unary minus
    }
    if (type === 'FuncCall' && NUMERIC_AGGREGATES.has(stringValues(body.funcname).pop() ?? '')) {
      const c = asNode(body.args?.[0], 'CaseExpr');
      const results = c ? [...(c.args ?? []).map((w) => asNode(w, 'CaseWhen')?.result), c.defresult] : [];
      const params = results.map(paramOf);
      if (params.length > 0 && params.every((p) => p !== undefined)) for (const p of params) numeric.add(p!);
    }
  });
  let paramCount = 0;
  walk(stmt, (type, body) => {
    if (type === 'ParamRef' && typeof body.number === 'number') paramCount = Math.max(paramCount, body.number);
  });
  return { text: deparse(copy), paramCount, usedParams, numericParams: [...numeric].sort((a, b) => a - b) };
}
