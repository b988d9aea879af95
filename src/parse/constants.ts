// What the constants recovered for a statement mean for it (the harvest's sources saw them; see
// src/harvest/constants.ts). Per `$n`:
//   - certain: one single value in every execution seen, and at least CERTAIN_MIN_SEEN of them.
//     The statement is analyzed and costed with the literal in place of `$n` (the planner can then
//     match a partial index on it, and candidates see a constant condition).
//   - seen, not certain (several values, or too few executions): reported with each value's share;
//     the generic plan of the `$n` text is costed, and candidates see a parameter.
//   - inferred (no source saw it; rows per call against pg_stats, src/harvest/infer.ts): candidates
//     see the literal, so a partial index on it is proposed, but the generic plan of the `$n` text
//     is what is costed: an inferred value is never taken as known.
import type { ObservedConstant, RecoveredConstant, TableAccess } from '../types.js';
import { asNode, type Node } from './ast.js';
import { parseSql } from './parser.js';

/** Executions that must all show the one value before it is taken as the statement's constant. */
export const CERTAIN_MIN_SEEN = 5;

export interface InferredConstant {
  param: number;
  value: string;
  why: string;
}

export interface ConstantDecision {
  recovered: RecoveredConstant[];
  /** `$n` → literal for the analysis (candidates): certain and inferred values. */
  analyze: Map<number, string>;
  /** `$n` → literal for the text that is costed: certain values only. */
  explain: Map<number, string>;
}

export function decideConstants(
  tables: TableAccess[],
  observed: ObservedConstant[] | undefined,
  inferred: InferredConstant[] | undefined,
): ConstantDecision {
  const perParam = new Map<number, Map<string, { count: number; sources: Set<string> }>>();
  for (const o of observed ?? []) {
    const param = o.param ?? (o.column ? paramOfColumn(tables, o.column) : undefined);
    if (param === undefined || literalNode(o.value) === undefined) continue;
    const values = perParam.get(param) ?? new Map();
    perParam.set(param, values);
    const v = values.get(o.value) ?? { count: 0, sources: new Set<string>() };
    v.count += o.count;
    v.sources.add(o.source);
    values.set(o.value, v);
  }
  const recovered: RecoveredConstant[] = [];
  const analyze = new Map<number, string>();
  const explain = new Map<number, string>();
  for (const [param, values] of [...perParam].sort((a, b) => a[0] - b[0])) {
    const seen = [...values.values()].reduce((a, v) => a + v.count, 0);
    const certain = values.size === 1 && seen >= CERTAIN_MIN_SEEN;
    for (const [value, v] of [...values].sort((a, b) => b[1].count - a[1].count)) {
      recovered.push({ param, value, source: [...v.sources].join(', '), certain, seen, share: seen > 0 ? v.count / seen : 0 });
      if (certain) {
        analyze.set(param, value);
        explain.set(param, value);
      }
    }
  }
  for (const i of inferred ?? []) {
    if (perParam.has(i.param) || literalNode(i.value) === undefined) continue;
    recovered.push({ param: i.param, value: i.value, source: 'inferred', certain: false, inferred: i.why });
    analyze.set(i.param, i.value);
  }
  return { recovered, analyze, explain };
}

/** The `$n` compared with this column (by this operator) in the statement, when exactly one is. */
function paramOfColumn(tables: TableAccess[], col: NonNullable<ObservedConstant['column']>): number | undefined {
  const found = new Set<number>();
  for (const t of tables) {
    if (t.table !== col.table || (t.schema !== undefined && t.schema !== col.schema)) continue;
    for (const p of t.predicates) {
      if (p.key.column !== col.column || p.params?.length !== 1 || p.kind === 'in') continue;
      if (p.operator !== col.operator && !(p.kind === 'eq' && col.operator === '=')) continue;
      found.add(p.params[0]!);
    }
  }
  return found.size === 1 ? [...found][0] : undefined;
}

/** The literal as a parse-tree constant, or undefined when it is not one (a value from a log is data, never SQL to run). */
function literalNode(value: string): Node | undefined {
  const parsed = parseSql(`SELECT ${value}`);
  if (!parsed.ok || parsed.stmts.length !== 1) return undefined;
  const target = asNode(parsed.stmts[0], 'SelectStmt')?.targetList;
  if (target?.length !== 1) return undefined;
  const val = asNode(target[0], 'ResTarget')?.val as Node | undefined;
  const inner = asNode(val, 'TypeCast')?.arg ?? val;
  return asNode(inner, 'A_Const') ? (inner as Node) : undefined;
}

/** A copy of the tree with the given `$n` replaced by their literals. */
export function substituteParams(ast: Node, values: Map<number, string>): Node {
  const copy = structuredClone(ast);
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (!node || typeof node !== 'object') return node;
    const ref = asNode(node as Node, 'ParamRef');
    if (ref?.number !== undefined && values.has(ref.number)) return literalNode(values.get(ref.number)!) ?? node;
    for (const [k, v] of Object.entries(node)) (node as Record<string, unknown>)[k] = replace(v);
    return node;
  };
  return replace(copy) as Node;
}
