// Typed access to libpg-query's AST. The node types are @pgsql/types, which libpg-query re-exports:
// generated from the protobuf definitions of the very parser it ships, so they match its output.
// A node is a one-key object, `{ A_Expr: {...} }`: the key names its kind, the value (its body)
// holds the fields. Every field is optional because the parser's JSON leaves out zero values
// (false, 0, empty lists); where the grammar always sets a field (a RangeVar's relname, a
// statement's target relation), the code says so with `!`.
import type { Node } from 'libpg-query';

export type {
  A_Const,
  A_Expr,
  DeleteStmt,
  InsertStmt,
  JoinExpr,
  MergeStmt,
  Node,
  RangeVar,
  SelectStmt,
  UpdateStmt,
  WithClause,
} from 'libpg-query';

type KeysOf<T> = T extends unknown ? keyof T & string : never;

/** The kind of a node: `'SelectStmt' | 'A_Expr' | 'ColumnRef' | ...`. */
export type NodeKind = KeysOf<Node>;

/** The body of a node of kind `K`: `NodeOf<'A_Expr'>` is `A_Expr`. */
export type NodeOf<K extends NodeKind> = Extract<Node, Record<K, unknown>>[K];

/** `[kind, body]` of a node, discriminated by the kind: testing `kind` narrows `body`. */
export type KindAndBody = { [K in NodeKind]: [kind: K, body: NodeOf<K>] }[NodeKind];

/** Kind and body of a node (`{ A_Expr: {...} }` → `['A_Expr', {...}]`); undefined for anything else. */
export function nodeType(node: unknown): KindAndBody | undefined {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const keys = Object.keys(node);
  if (keys.length !== 1 || !/^[A-Z]/.test(keys[0]!)) return undefined;
  const k = keys[0]!;
  return [k, (node as Record<string, unknown>)[k]] as KindAndBody;
}

export function nodeKind(node: unknown): NodeKind | undefined {
  return nodeType(node)?.[0];
}

/** The body of `node` when it is a node of kind `kind` (`asNode(n, 'ParamRef')?.number`), else undefined. */
export function asNode<K extends NodeKind>(node: unknown, kind: K): NodeOf<K> | undefined {
  if (!node || typeof node !== 'object') return undefined;
  return (node as Partial<Record<K, NodeOf<K>>>)[kind];
}

/**
 * Visits every node below `node` (objects and arrays), depth first, with its kind and body:
 * `walk(stmt, (kind, body) => { if (kind === 'ColumnRef') body.fields ... })`. Return false to
 * skip a node's children.
 */
export function walk(node: unknown, visit: (...node: KindAndBody) => boolean | undefined): void {
  if (Array.isArray(node)) {
    for (const n of node as unknown[]) walk(n, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const t = nodeType(node);
  if (t) {
    if (visit(...t) === false) return;
    walk(t[1], visit);
    return;
  }
  for (const v of Object.values(node) as unknown[]) walk(v, visit);
}

/** The strings of a list of String nodes (a qualified name, an operator name); other items are left out. */
export function stringValues(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  return (list as unknown[]).map((n) => asNode(n, 'String')?.sval ?? '').filter((s) => s !== '');
}
