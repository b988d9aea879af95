// pg_stat_statements replaces constants with `$n` even where the grammar wants a literal
// (`date $1`, `interval $2 day`, `EXTRACT($3 FROM x)`); the server rejects that text. Printing the
// AST back with pgsql-deparser turns the typed literals into casts (`CAST($1 AS date)`); the few
// places where a parameter can never stand are rewritten to a harmless constant.
import { asNode, type Node, nodeType, type SelectStmt, stringValues, walk } from './ast.js';
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

/** True when the expression holds a subquery (it reads tables of its own). */
function withSubquery(n: Node | undefined): n is Node {
  let found = false;
  walk(n, (type, _) => {
    if (type === 'SubLink') found = true;
    return undefined;
  });
  return found;
}

/** A write's row-finding query: what the advisor EXPLAINs in its place (see `readEquivalent`). */
export interface ReadEquivalent {
  select: Node;
  /** Parameters that stand bare in the VALUES rows or select list of an INSERT: nothing types them there. */
  untypedParams: number[];
  note: string;
}

/**
 * The SELECT that finds a write's rows, costed in place of the write. The planner charges the
 * write itself (the ModifyTable node) nothing: an `UPDATE t SET … FROM u WHERE …` costs what
 * `SELECT t.ctid FROM t, u WHERE …` costs, plus the casts of its SET values to the columns' types
 * (a cpu_operator_cost a row, where there are any), and no index changes anything else about it
 * (index maintenance is priced by the write-cost model). EXPLAIN of the write would need the
 * UPDATE, DELETE or INSERT privilege, which a read-only advisor role does not have; the SELECT
 * needs SELECT. It reads the target's ctid (the write needs it too, and it keeps the plan from an
 * index-only scan the write cannot use) and keeps the subqueries of SET and RETURNING (they read
 * other tables). An INSERT is costed by the query that produces its rows.
 *
 * A MERGE is costed by the join of its source and target.
 *
 * Undefined for a statement that stays as it is: not a write, `WHERE CURRENT OF`, `DEFAULT VALUES`.
 */
export function readEquivalent(stmt: Node): ReadEquivalent | undefined {
  const t = nodeType(stmt);
  if (!t) return undefined;
  if (t[0] === 'UpdateStmt' || t[0] === 'DeleteStmt') {
    const body = t[1];
    const rel = body.relation;
    if (!rel?.relname) return undefined;
    let currentOf = false;
    walk(body.whereClause, (type, _) => {
      if (type === 'CurrentOfExpr') currentOf = true;
      return undefined;
    });
    if (currentOf) return undefined;
    const alias = rel.alias?.aliasname ?? rel.relname;
    const setValues =
      t[0] === 'UpdateStmt'
        ? (t[1].targetList ?? []).map((r) => {
            const val = asNode(r, 'ResTarget')?.val;
            const multi = asNode(val, 'MultiAssignRef');
            // `SET (a, b) = (SELECT x, y …)`: the one source, under its first column, as the
            // one-column `(SELECT ROW(x, y) …)` that a select list takes.
            if (!multi) return val;
            if (multi.colno !== 1) return undefined;
            const source = structuredClone(multi.source);
            const sub = asNode(asNode(source, 'SubLink')?.subselect, 'SelectStmt');
            if (sub?.targetList && sub.targetList.length > 1) {
              const args = sub.targetList.map((r) => asNode(r, 'ResTarget')?.val).filter((v): v is Node => v !== undefined);
              sub.targetList = [{ ResTarget: { val: { RowExpr: { args, row_format: 'COERCE_EXPLICIT_CALL' } } } }];
            }
            return source;
          })
        : [];
    const returning = (body.returningClause?.exprs ?? []).map((r) => asNode(r, 'ResTarget')?.val);
    const from = t[0] === 'UpdateStmt' ? t[1].fromClause : t[1].usingClause;
    const select: SelectStmt = {
      targetList: [
        { ResTarget: { val: { ColumnRef: { fields: [{ String: { sval: alias } }, { String: { sval: 'ctid' } }] } } } },
        ...[...setValues, ...returning].filter(withSubquery).map((val): Node => ({ ResTarget: { val } })),
      ],
      fromClause: [{ RangeVar: rel }, ...(from ?? [])],
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    };
    if (body.whereClause) select.whereClause = body.whereClause;
    if (body.withClause) select.withClause = body.withClause;
    const what = t[0] === 'UpdateStmt' ? 'UPDATE' : 'DELETE';
    return {
      select: { SelectStmt: select },
      untypedParams: [],
      note:
        `costed through the SELECT that finds its rows (same FROM${what === 'DELETE' ? '/USING' : ''} and WHERE, the target's ctid, ` +
        `subqueries of ${what === 'UPDATE' ? 'SET and ' : ''}RETURNING): the planner charges the ${what} itself nothing, ` +
        `and EXPLAIN ${what} needs ${what} privilege`,
    };
  }
  if (t[0] === 'MergeStmt') {
    // The join MERGE plans: source to target, outer where a WHEN NOT MATCHED clause needs the
    // rows of one side that the other lacks.
    const m = t[1];
    const rel = m.relation;
    if (!rel?.relname || !m.sourceRelation || !m.joinCondition) return undefined;
    const clauses = (m.mergeWhenClauses ?? []).map((c) => asNode(c, 'MergeWhenClause') ?? {});
    const kinds = new Set(clauses.map((c) => c.matchKind ?? 'MERGE_WHEN_MATCHED'));
    const byTarget = kinds.has('MERGE_WHEN_NOT_MATCHED_BY_TARGET');
    const bySource = kinds.has('MERGE_WHEN_NOT_MATCHED_BY_SOURCE');
    const jointype = byTarget && bySource ? 'JOIN_FULL' : byTarget ? 'JOIN_LEFT' : bySource ? 'JOIN_RIGHT' : 'JOIN_INNER';
    const alias = rel.alias?.aliasname ?? rel.relname;
    const values = [
      ...clauses.flatMap((c) => [c.condition, ...(c.targetList ?? []).map((r) => asNode(r, 'ResTarget')?.val), ...(c.values ?? [])]),
      ...(m.returningClause?.exprs ?? []).map((r) => asNode(r, 'ResTarget')?.val),
    ];
    const select: SelectStmt = {
      targetList: [
        { ResTarget: { val: { ColumnRef: { fields: [{ String: { sval: alias } }, { String: { sval: 'ctid' } }] } } } },
        ...values.filter(withSubquery).map((val): Node => ({ ResTarget: { val } })),
      ],
      fromClause: [{ JoinExpr: { jointype, larg: m.sourceRelation, rarg: { RangeVar: rel }, quals: m.joinCondition } }],
      limitOption: 'LIMIT_OPTION_DEFAULT',
      op: 'SETOP_NONE',
    };
    if (m.withClause) select.withClause = m.withClause;
    return {
      select: { SelectStmt: select },
      untypedParams: [],
      note:
        "costed through the join that finds its rows (source to target on its ON condition, the target's ctid, subqueries of its " +
        'WHEN clauses): the planner charges the MERGE itself nothing, and EXPLAIN MERGE needs the privileges of its actions',
    };
  }
  if (t[0] === 'InsertStmt') {
    const source = asNode(t[1].selectStmt, 'SelectStmt');
    if (!source) return undefined; // DEFAULT VALUES: nothing to find
    const select: SelectStmt = structuredClone(source);
    if (t[1].withClause) {
      // `WITH x AS (…) INSERT … SELECT … FROM x`: the CTEs go with the query that reads them.
      const ctes = [...(t[1].withClause.ctes ?? []), ...(select.withClause?.ctes ?? [])];
      select.withClause = { ...t[1].withClause, ctes };
    }
    // A parameter that only ever stands bare as a value to insert took its type from the column.
    const bare = new Map<number, number>();
    const all = new Map<number, number>();
    const items = [
      ...(select.valuesLists ?? []).flatMap((row) => asNode(row, 'List')?.items ?? []),
      ...(select.targetList ?? []).map((r) => asNode(r, 'ResTarget')?.val),
    ];
    for (const item of items) {
      const n = asNode(item, 'ParamRef')?.number;
      if (n !== undefined) bare.set(n, (bare.get(n) ?? 0) + 1);
    }
    walk(select, (type, body) => {
      if (type === 'ParamRef' && body.number !== undefined) all.set(body.number, (all.get(body.number) ?? 0) + 1);
      return undefined;
    });
    const untyped = [...bare].filter(([n, count]) => all.get(n) === count).map(([n]) => n);
    return {
      select: { SelectStmt: select },
      untypedParams: untyped.sort((a, b) => a - b),
      note:
        'costed through the query that produces its rows (its SELECT or VALUES): the planner charges the INSERT itself nothing, ' +
        'and EXPLAIN INSERT needs INSERT privilege',
    };
  }
  return undefined;
}
