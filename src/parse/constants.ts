// What the constants recovered for a statement mean for it (the harvest's sources saw them; see
// src/harvest/constants.ts). Per `$n`:
//   - certain: one single value in every execution seen, and at least CERTAIN_MIN_SEEN of them.
//     The statement is analyzed and costed with the literal in place of `$n` (the planner can then
//     match a partial index on it, and candidates see a constant condition).
//   - seen, not certain (several values, or too few executions): reported with each value's share;
//     the generic plan of the `$n` text is costed, and candidates see a parameter.
//   - inferred (no source saw it; rows per call against pg_stats, ./infer.ts): candidates
//     see the literal, so a partial index on it is proposed, but the generic plan of the `$n` text
//     is what is costed: an inferred value is never taken as known.
//   - assumed (no source saw either bound of a range; ./assumedRanges.ts): costed with it,
//     candidates see the parameter.
// A value pg_qualstats saw for an expression over parameters (`date $2 + interval $3 year`, folded
// by the planner) stands for the whole expression (its site), never for one `$n`.
import { quoteLiteral } from '../db/quote.js';
import type { ObservedConstant, Predicate, RecoveredConstant, TableAccess } from '../types.js';
import type { AssumedBound } from './assumedRanges.js';
import { asNode, type Node, nodeType } from './ast.js';
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
  /** Expression sites (Predicate.places) → the certain folded value that replaces them, for both. */
  sites: Map<number, string>;
  /** The same for the text that is costed only: certain values and assumed range bounds (./assumedRanges.ts). */
  explainSites: Map<number, string>;
}

export function decideConstants(
  tables: TableAccess[],
  observed: ObservedConstant[] | undefined,
  inferred: InferredConstant[] | undefined,
  assumed: AssumedBound[] = [],
): ConstantDecision {
  type Seen = Map<string, { count: number; sources: Set<string> }>;
  const perParam = new Map<number, Seen>();
  const perSite = new Map<number, { site: SiteOf; values: Seen }>();
  const add = (values: Seen, value: string, o: ObservedConstant) => {
    const v = values.get(value) ?? { count: 0, sources: new Set<string>() };
    v.count += o.count;
    v.sources.add(o.source);
    values.set(value, v);
  };
  for (const o of observed ?? []) {
    if (literalNode(o.value) === undefined) continue;
    if (o.param !== undefined) {
      add(perParam.get(o.param) ?? perParam.set(o.param, new Map()).get(o.param)!, o.value, o);
      continue;
    }
    if (!o.column) continue;
    for (const place of placesOfColumn(tables, o.column, o.value)) {
      if ('param' in place) {
        if (literalNode(place.value) !== undefined)
          add(perParam.get(place.param) ?? perParam.set(place.param, new Map()).get(place.param)!, place.value, o);
      } else {
        const { site } = place;
        add(
          (perSite.get(site.location) ?? perSite.set(site.location, { site, values: new Map() }).get(site.location)!).values,
          place.value,
          o,
        );
      }
    }
  }
  const recovered: RecoveredConstant[] = [];
  const analyze = new Map<number, string>();
  const explain = new Map<number, string>();
  const sites = new Map<number, string>();
  const decide = (values: Seen, record: (value: string, certain: boolean, seen: number, share: number, sources: string) => void) => {
    const seen = [...values.values()].reduce((a, v) => a + v.count, 0);
    const certain = values.size === 1 && seen >= CERTAIN_MIN_SEEN;
    for (const [value, v] of [...values].sort((a, b) => b[1].count - a[1].count))
      record(value, certain, seen, seen > 0 ? v.count / seen : 0, [...v.sources].join(', '));
  };
  for (const [param, values] of [...perParam].sort((a, b) => a[0] - b[0])) {
    decide(values, (value, certain, seen, share, source) => {
      recovered.push({ param, value, source, certain, seen, share });
      if (certain) {
        analyze.set(param, value);
        explain.set(param, value);
      }
    });
  }
  for (const { site, values } of [...perSite.values()].sort((a, b) => a.site.params[0]! - b.site.params[0]!)) {
    decide(values, (value, certain, seen, share, source) => {
      recovered.push({ param: site.params[0]!, site: site.text, value, source, certain, seen, share });
      if (certain) sites.set(site.location, value);
    });
  }
  for (const i of inferred ?? []) {
    if (perParam.has(i.param) || literalNode(i.value) === undefined) continue;
    recovered.push({ param: i.param, value: i.value, source: 'inferred', certain: false, inferred: i.why });
    analyze.set(i.param, i.value);
  }
  const explainSites = new Map(sites);
  for (const a of assumed) {
    if (a.site ? perSite.has(a.site.location) : perParam.has(a.param) || explain.has(a.param)) continue;
    if (literalNode(a.value) === undefined) continue;
    if (a.site) explainSites.set(a.site.location, a.value);
    else explain.set(a.param, a.value);
    recovered.push({
      param: a.param,
      ...(a.site ? { site: a.site.text } : {}),
      value: a.value,
      source: 'assumed',
      certain: false,
      assumed: a.why,
    });
  }
  return { recovered, analyze, explain, sites, explainSites };
}

interface SiteOf {
  location: number;
  params: number[];
  /** The expression as written (`CAST($2 AS date) + CAST($3 AS interval year)`), for the report. */
  text: string;
}

/** Which place of `p` a bound or value stands in: 0 for the value side and a BETWEEN's lower bound, 1 for its upper. */
export type Side = 0 | 1;

/** The place of one side of `p` as a `$n`, or as an expression site with its text for the report (undefined: a literal). */
export function sideOf(p: Predicate, side: Side): { param: number } | { site: SiteOf } | undefined {
  const place = p.places?.[side];
  if (!place) return undefined;
  if ('param' in place) return place;
  const text = p.operator === 'BETWEEN' ? `${side === 0 ? 'lower' : 'upper'} bound of ${p.text}` : valueText(p);
  return { site: { location: place.site, params: p.params ?? [], text } };
}

/** The value side of a predicate's deparsed text, without its outer parentheses (`CAST($2 AS date) + CAST($3 AS interval year)`). */
export function valueText(p: { text: string; operator: string }): string {
  const at = p.text.indexOf(` ${p.operator} `);
  const value = at < 0 ? p.text : p.text.slice(at + p.operator.length + 2);
  return /^\(.*\)$/.test(value) && parseSql(`SELECT ${value.slice(1, -1)}`).ok ? value.slice(1, -1) : value;
}

/**
 * Where a value seen for a column (by an operator) goes, in every condition that compares the column
 * so (the arms of an OR repeat it; where they were sent different values, each place sees them all
 * and none is certain): the value side, or a BETWEEN's lower bound for `>=` and upper for `<=`. A
 * bare `$n` takes it; an expression over parameters takes it whole, since pg_qualstats records a
 * comparison after the planner folded its constant side (`l_shipdate < date $2 + interval $3 year`
 * shows one timestamp, no single `$n`'s). An IN list's elements come from the array a source
 * records for it (pg_qualstats: `'{AIR,"AIR REG"}'`).
 */
function placesOfColumn(
  tables: TableAccess[],
  col: NonNullable<ObservedConstant['column']>,
  value: string,
): Array<{ param: number; value: string } | { site: SiteOf; value: string }> {
  const out: Array<{ param: number; value: string } | { site: SiteOf; value: string }> = [];
  for (const t of tables) {
    if (t.table !== col.table || (t.schema !== undefined && t.schema !== col.schema)) continue;
    for (const p of t.predicates) {
      if (p.key.column !== col.column || !p.params?.length) continue;
      if (p.kind === 'in') {
        const elements = col.operator === '=' ? arrayElements(value) : undefined;
        if (elements?.length === p.params.length) out.push(...p.params.map((param, i) => ({ param, value: elements[i]! })));
        continue;
      }
      const side: Side | undefined =
        p.operator === 'BETWEEN'
          ? col.operator === '>='
            ? 0
            : col.operator === '<='
              ? 1
              : undefined
          : p.operator === col.operator || (p.kind === 'eq' && col.operator === '=')
            ? 0
            : undefined;
      const place = side === undefined ? undefined : sideOf(p, side);
      if (place) out.push({ ...place, value });
    }
  }
  return out;
}

/** The elements of an array literal (`'{a,"b c"}'`) as SQL literals, or undefined (NULLs, nesting, not an array). */
export function arrayElements(value: string): string[] | undefined {
  const quoted = /^'((?:[^']|'')*)'$/.exec(value);
  const text = quoted?.[1]?.replaceAll("''", "'");
  if (!text?.startsWith('{') || !text.endsWith('}')) return undefined;
  const body = text.slice(1, -1);
  if (body === '') return [];
  const out: string[] = [];
  let i = 0;
  while (i <= body.length) {
    let el = '';
    let wasQuoted = false;
    if (body[i] === '"') {
      wasQuoted = true;
      for (i++; i < body.length && body[i] !== '"'; i++) el += body[i] === '\\' ? body[++i] : body[i];
      i++;
    } else {
      for (; i < body.length && body[i] !== ','; i++) el += body[i];
      if (el.includes('{') || el.includes('"')) return undefined;
      el = el.trim();
      if (el.toUpperCase() === 'NULL') return undefined;
    }
    if (i < body.length && body[i] !== ',') return undefined;
    out.push(wasQuoted || el !== '' ? quoteLiteral(el) : "''");
    i++;
  }
  return out;
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

/**
 * A copy of the tree with the given `$n` replaced by their literals, and the given expression sites
 * (by where they start in the text) by theirs.
 */
export function substituteParams(ast: Node, values: Map<number, string>, sites: Map<number, string> = new Map()): Node {
  const copy = structuredClone(ast);
  const replace = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(replace);
    if (!node || typeof node !== 'object') return node;
    const site = sites.size ? nodeType(node) : undefined;
    const location = (site?.[1] as { location?: unknown } | undefined)?.location;
    if (typeof location === 'number' && sites.has(location) && site?.[0] !== 'ParamRef') return literalNode(sites.get(location)!) ?? node;
    const ref = asNode(node as Node, 'ParamRef');
    if (ref?.number !== undefined && values.has(ref.number)) return literalNode(values.get(ref.number)!) ?? node;
    for (const [k, v] of Object.entries(node)) (node as Record<string, unknown>)[k] = replace(v);
    return node;
  };
  return replace(copy) as Node;
}
