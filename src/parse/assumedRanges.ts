// Two unknown bounds on one column (`created_at >= $1 AND created_at < $2`, `BETWEEN $1 AND $2`)
// are costed by a generic plan as keeping 0.5 % of the rows, whatever the column
// (DEFAULT_RANGE_INEQ_SEL in PostgreSQL's selfuncs.c): a narrow window, under which an index on the
// column looks far better than it is for the month or the year of a report (TPC-H's ranges keep 1 to
// 30 % of their tables). Where no source saw the bounds, the statement is costed with bounds from
// the column's pg_stats that keep a tenth of the rows (middleTenth). They are assumed, never known:
// candidates still see the parameters, and the report says which values were assumed.
//
// One unknown bound keeps the generic plan's third of the rows (DEFAULT_INEQ_SEL): "after $1" is as
// often a long report (a year of orders) as a short page, and a third is the planner's own hedge.
import { findTable } from '../catalog/find.js';
import { quoteLiteral } from '../db/quote.js';
import type { Catalog, CatalogColumn, ParsedStatement, Predicate } from '../types.js';
import { sideOf } from './constants.js';

/** The share of the rows an assumed pair of bounds keeps (around the histogram's middle). */
export const ASSUMED_RANGE_SHARE = 0.1;
/** Fewer histogram bounds than this cannot place a tenth of the rows. */
const MIN_HISTOGRAM = 10;
/** The most common values stand for the whole column when they hold this share of it. */
const MCV_COVERAGE = 0.99;

/** A value assumed for one bound: a bare `$n`, or an expression over parameters (its site, as Predicate.places). */
export interface AssumedBound {
  param: number;
  site?: { location: number; text: string };
  value: string;
  why: string;
}

export function assumedRangeBounds(stmt: ParsedStatement, catalog: Catalog): AssumedBound[] {
  const seen = new Set((stmt.recovered ?? []).filter((r) => !r.inferred).map((r) => r.param));
  const out: AssumedBound[] = [];
  for (const access of stmt.tables) {
    const table = findTable(catalog, access.schema, access.table);
    if (!table) continue;
    const unknown = access.predicates.filter(
      (p) => p.kind === 'range' && !p.orArm && p.key.column && p.params?.length && !p.params.some((n) => seen.has(n)),
    );
    for (const column of new Set(unknown.map((p) => p.key.column!))) {
      const window = middleTenth(table.columns.find((c) => c.name === column)?.stats);
      if (!window) continue;
      const lowerValue = (p: Predicate) => quoteLiteral(p.operator === '>' ? window.below : window.lower);
      const upperValue = (p: Predicate) => quoteLiteral(p.operator === '<' ? window.above : window.upper);
      const why = `two bounds on ${column} that no source saw: assumed to keep ${window.share} of the rows (${window.from}), where a generic plan assumes 0.5 %`;
      const on = unknown.filter((p) => p.key.column === column);
      const between = on.find((p) => p.operator === 'BETWEEN');
      if (between) {
        out.push(...bound(between, 'lower', lowerValue(between), why), ...bound(between, 'upper', upperValue(between), why));
        continue;
      }
      const lower = on.find((p) => p.operator.startsWith('>'));
      const upper = on.find((p) => p.operator.startsWith('<'));
      if (lower && upper) out.push(...bound(lower, 'lower', lowerValue(lower), why), ...bound(upper, 'upper', upperValue(upper), why));
    }
  }
  return out;
}

/**
 * Bounds around the middle of the column's values that keep about a tenth of the rows: from the
 * histogram; for a column whose most common values are all its values (11 discounts, 50 sizes),
 * the run of them in order around the middle that reaches a tenth (at least one value).
 */
function middleTenth(
  stats: CatalogColumn['stats'],
): { lower: string; upper: string; below: string; above: string; share: string; from: string } | undefined {
  const hist = stats?.histogramBounds ?? [];
  if (hist.length >= MIN_HISTOGRAM) {
    const at = (q: number) => hist[Math.round(q * (hist.length - 1))]!;
    const [lower, upper] = [at(0.5 - ASSUMED_RANGE_SHARE / 2), at(0.5 + ASSUMED_RANGE_SHARE / 2)];
    // Between histogram bounds a strict and an inclusive bound keep the same share.
    return {
      lower,
      upper,
      below: lower,
      above: upper,
      share: `${ASSUMED_RANGE_SHARE * 100} %`,
      from: "pg_stats' histogram",
    };
  }
  const values = stats?.mostCommonVals ?? [];
  const freqs = stats?.mostCommonFreqs ?? [];
  if (values.length < 2 || values.length !== freqs.length || freqs.reduce((a, f) => a + f, 0) + (stats?.nullFrac ?? 0) < MCV_COVERAGE) {
    return undefined;
  }
  const numeric = values.every((v) => Number.isFinite(Number(v)));
  const order = values
    .map((v, i) => ({ v, f: freqs[i]! }))
    .sort((a, b) => (numeric ? Number(a.v) - Number(b.v) : a.v < b.v ? -1 : a.v > b.v ? 1 : 0));
  let lo = Math.floor((order.length - 1) / 2);
  let hi = lo;
  let kept = order[lo]!.f;
  while (kept < ASSUMED_RANGE_SHARE && (lo > 0 || hi < order.length - 1)) {
    if (hi < order.length - 1) kept += order[++hi]!.f;
    if (kept < ASSUMED_RANGE_SHARE && lo > 0) kept += order[--lo]!.f;
  }
  // A strict bound keeps the run by naming the value just outside it (`> below`, `< above`).
  return {
    lower: order[lo]!.v,
    upper: order[hi]!.v,
    below: order[lo - 1]?.v ?? order[lo]!.v,
    above: order[hi + 1]?.v ?? order[hi]!.v,
    share: `${Math.round(kept * 100)} %`,
    from: "pg_stats' most common values",
  };
}

/** The `$n` or the expression site that one bound of `p` stands on (nothing for a literal bound). */
function bound(p: Predicate, which: 'lower' | 'upper', value: string, why: string): AssumedBound[] {
  const place = sideOf(p, p.operator === 'BETWEEN' && which === 'upper' ? 1 : 0);
  if (!place) return [];
  if ('param' in place) return [{ param: place.param, value, why }];
  return [{ param: place.site.params[0]!, site: { location: place.site.location, text: place.site.text }, value, why }];
}
