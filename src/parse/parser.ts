// Thin wrapper over libpg-query (the real PostgreSQL parser compiled to WASM): one place loads the
// module, and parse errors come back as values so one bad statement never stops a run.
import { loadModule, parseSync } from 'libpg-query';
import { deparseSync } from 'pgsql-deparser';

let loaded: Promise<void> | undefined;

/** Loads the WASM parser once; every other function here needs it loaded first. */
export function ensureParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

// libpg-query's AST is a tree of `{ NodeType: {...fields} }` objects; we walk it generically.
export type AstNode = Record<string, any>;

export type ParseOutcome =
  | { ok: true; stmts: AstNode[]; /** [start, end) of each statement in `sql`, in characters. */ spans: Array<[number, number]> }
  | { ok: false; error: string };

export function parseSql(sql: string): ParseOutcome {
  try {
    const result = parseSync(sql) as unknown as { stmts?: Array<{ stmt: AstNode; stmt_location?: number; stmt_len?: number }> };
    const stmts = result.stmts ?? [];
    return { ok: true, stmts: stmts.map((s) => s.stmt), spans: stmts.map((s) => charSpan(sql, s.stmt_location ?? 0, s.stmt_len ?? 0)) };
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

/** Prints a statement or an expression node back as SQL. */
export function deparse(node: AstNode): string {
  // The deparser accepts bare expression nodes as well as statements.
  return deparseSync(node as never, { pretty: false } as never).trim();
}

/** The single key of a node: `{ A_Expr: {...} }` → ['A_Expr', {...}]. */
export function nodeType(node: unknown): [string, AstNode] | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1) return undefined;
  const k = keys[0]!;
  return [k, (node as AstNode)[k]];
}

/** Visits every node below `node` (objects and arrays), depth first. Return false to skip children. */
export function walk(node: unknown, visit: (type: string, body: AstNode, node: AstNode) => boolean | void): void {
  if (Array.isArray(node)) {
    for (const n of node) walk(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const t = nodeType(node);
  if (t && /^[A-Z]/.test(t[0])) {
    if (visit(t[0], t[1], node as AstNode) === false) return;
    walk(t[1], visit);
    return;
  }
  for (const v of Object.values(node)) walk(v, visit);
}

export function stringValues(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return list.map((n) => (n?.String?.sval as string | undefined) ?? '').filter((s) => s !== '');
}
