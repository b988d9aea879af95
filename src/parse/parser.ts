// Thin wrapper over libpg-query (the real PostgreSQL parser compiled to WASM): one place loads the
// module, and parse errors come back as values so one bad statement never stops a run.
import { loadModule, parseSync } from 'libpg-query';
import { Deparser, QuoteUtils } from 'pgsql-deparser';
import { asNode, type Node } from './ast.js';

let loaded: Promise<void> | undefined;

/** Loads the WASM parser once; every other function here needs it loaded first. */
export function ensureParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

export type ParseOutcome =
  | { ok: true; stmts: Node[] /** [start, end) of each statement in `sql`, in characters. */; spans: Array<[number, number]> }
  | { ok: false; error: string };

export function parseSql(sql: string): ParseOutcome {
  try {
    const stmts = parseSync(sql).stmts ?? [];
    // The parser makes a RawStmt only for a statement that is there (`;;` makes none).
    return { ok: true, stmts: stmts.map((s) => s.stmt!), spans: stmts.map((s) => charSpan(sql, s.stmt_location ?? 0, s.stmt_len ?? 0)) };
  } catch (err) {
    const e = err as Error & { sqlDetails?: { cursorPosition?: number } };
    const pos = e.sqlDetails?.cursorPosition;
    return { ok: false, error: pos !== undefined && pos >= 0 ? `${e.message} (at character ${pos + 1})` : e.message };
  }
}

/** libpg-query reports UTF-8 byte offsets (length 0 = to the end); JavaScript strings count UTF-16 units. */
function charSpan(sql: string, byteStart: number, byteLen: number): [number, number] {
  const buf = Buffer.from(sql, 'utf8');
  const start = buf.subarray(0, byteStart).toString('utf8').length;
  const end = byteLen > 0 ? buf.subarray(0, byteStart + byteLen).toString('utf8').length : sql.length;
  return [start, end];
}

type DeparserContext = Parameters<Deparser['A_Indirection']>[1];
type Indirection = Parameters<Deparser['A_Indirection']>[0];

/**
 * pgsql-deparser 18 prints `(ARRAY[$3, $4, $5])[$6]` as `ARRAY[$3, $4, $5][$6]`, which the server
 * rejects (syntax error at or near "["): the grammar takes a subscript or a field selection only
 * after a column, a parameter or a parenthesized expression, and the deparser parenthesizes only
 * some kinds of argument (casts, function calls, columns...), not ARRAY[...], literals, CASE or
 * COALESCE. Here every argument is parenthesized, which is valid for all of them.
 */
class ServerDeparser extends Deparser {
  override A_Indirection(node: Indirection, context: DeparserContext): string {
    const out = [`(${node.arg ? this.visit(node.arg, context) : ''})`];
    for (const sub of node.indirection ?? []) {
      const field = asNode(sub, 'String')?.sval;
      if (field !== undefined) out.push(`.${QuoteUtils.quoteIdentifier(field)}`);
      else if (asNode(sub, 'A_Star')) out.push('.*');
      else out.push(this.visit(sub, context));
    }
    return out.join('');
  }
}

/** Prints a statement or an expression node back as SQL. */
export function deparse(node: Node): string {
  // The deparser accepts bare expression nodes as well as statements.
  return new ServerDeparser(node, { pretty: false }).deparseQuery().trim();
}
