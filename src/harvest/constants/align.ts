// Matching a statement text that carries constants to its normalized pg_stat_statements entry, and
// reading the constants off it. `fingerprint(text with constants) = fingerprint(normalized text)`
// (libpg-query's fingerprint ignores constants, parameters and IN-list lengths); then both texts
// are parsed and walked side by side: where the normalized tree has `$n`, the other has the value.
import { fingerprintSync } from 'libpg-query';
import { asNode, type Node } from '../../parse/ast.js';
import { deparse, parseSql } from '../../parse/parser.js';
import type { ObservedConstant, WorkloadStatement } from '../../types.js';
import type { TextSample } from './source.js';

export interface MatchResult {
  constants: Array<{ statementId: string; constant: ObservedConstant }>;
  /** Samples that matched a statement. */
  matched: number;
  /** Samples that did not parse or matched no statement (other databases, statements not kept...). */
  unmatched: number;
}

export function fingerprintOf(query: string): string | undefined {
  try {
    return fingerprintSync(query);
  } catch {
    return undefined;
  }
}

/** The constants of each sample, as `$n` values of the statement it is an execution of. */
export function matchSamples(samples: TextSample[], statements: WorkloadStatement[]): MatchResult {
  const byFingerprint = new Map<string, Array<{ stmt: WorkloadStatement; ast: Node }>>();
  for (const s of statements) {
    if (!/\$\d/.test(s.query)) continue; // nothing to recover
    const fp = fingerprintOf(s.query);
    const parsed = fp ? parseSql(s.query) : undefined;
    if (!fp || !parsed?.ok || parsed.stmts.length !== 1) continue;
    const list = byFingerprint.get(fp) ?? [];
    list.push({ stmt: s, ast: parsed.stmts[0]! });
    byFingerprint.set(fp, list);
  }
  const counts = new Map<string, { statementId: string; constant: ObservedConstant }>();
  let matched = 0;
  let unmatched = 0;
  for (const sample of samples) {
    const fp = fingerprintOf(sample.query);
    const entries = fp ? byFingerprint.get(fp) : undefined;
    const parsed = entries ? parseSql(sample.query) : undefined;
    if (!entries || !parsed?.ok || parsed.stmts.length !== 1) {
      unmatched++;
      continue;
    }
    // Several entries share a fingerprint when IN lists differ in length: the one whose tree lines up.
    let best: { stmt: WorkloadStatement; values: Map<number, string> } | undefined;
    for (const e of entries) {
      const values = new Map<number, string>();
      if (!align(e.ast, parsed.stmts[0]!, values, sample.params)) continue;
      if (!best || values.size > best.values.size) best = { stmt: e.stmt, values };
    }
    if (!best) {
      unmatched++;
      continue;
    }
    matched++;
    for (const [param, value] of best.values) {
      const key = JSON.stringify([best.stmt.id, param, value, sample.source]);
      const have = counts.get(key);
      if (have) have.constant.count += sample.count;
      else counts.set(key, { statementId: best.stmt.id, constant: { param, value, count: sample.count, source: sample.source } });
    }
  }
  return { constants: [...counts.values()], matched, unmatched };
}

/**
 * Walks the normalized tree and the sample's tree together; records `$n` → value. Returns false
 * when the trees differ in shape (another statement with the same fingerprint).
 */
function align(norm: unknown, lit: unknown, out: Map<number, string>, params: TextSample['params']): boolean {
  const param = asNode(norm as Node, 'ParamRef');
  if (param?.number !== undefined) {
    const value = literalOf(lit, params);
    if (value !== undefined && !out.has(param.number)) out.set(param.number, value);
    return true;
  }
  if (Array.isArray(norm)) {
    if (!Array.isArray(lit)) return false;
    // IN lists of another length: same fingerprint, nothing to read position by position.
    if (norm.length !== lit.length) return true;
    return norm.every((n, i) => align(n, lit[i], out, params));
  }
  if (norm && typeof norm === 'object') {
    if (!lit || typeof lit !== 'object' || Array.isArray(lit)) return false;
    const l = lit as Record<string, unknown>;
    for (const [k, v] of Object.entries(norm)) {
      if (k === 'location' || k === 'stmt_location' || k === 'stmt_len') continue;
      // A constant in the sample where the normalized tree has a constant too (a literal the
      // normalization kept, such as a LIMIT's): nothing to read, and values may differ.
      if (k === 'A_Const') return 'A_Const' in l || 'ParamRef' in l;
      if (!(k in l)) return false;
      if (!align(v, l[k], out, params)) return false;
    }
    return true;
  }
  return true;
}

/** The sample's value at a `$n` position, as an SQL literal: a constant, or a bind parameter's logged value. */
function literalOf(node: unknown, params: TextSample['params']): string | undefined {
  const n = node as Node;
  const ref = asNode(n, 'ParamRef');
  if (ref?.number !== undefined) return params?.[ref.number - 1];
  const cast = asNode(n, 'TypeCast');
  const c = asNode(cast ? (cast.arg as Node) : n, 'A_Const');
  if (!c || c.isnull) return undefined;
  return deparse({ A_Const: c } as Node);
}
