// Two unknown bounds on one column (`created_at >= $1 AND created_at < $2`, `BETWEEN $1 AND $2`)
// are costed by a generic plan as keeping 0.5 % of the rows, whatever the column
// (DEFAULT_RANGE_INEQ_SEL in PostgreSQL's selfuncs.c): a narrow window, under which an index on the
// column looks far better than it is for the month or the year of a report (TPC-H's ranges keep 1 to
// 30 % of their tables). Where no source saw the bounds, the statement is costed with bounds from
// the column's histogram that keep a tenth of the rows. They are assumed, never known: candidates
// still see the parameters, and the report says which values were assumed.
//
// One unknown bound keeps the generic plan's third of the rows (DEFAULT_INEQ_SEL): "after $1" is as
// often a long report (a year of orders) as a short page, and a third is the planner's own hedge.
import { findTable } from '../catalog/find.js';
import { quoteLiteral } from '../db/quote.js';
import type { Catalog, ParsedStatement, Predicate } from '../types.js';
import { valueText } from './constants.js';

/** The share of the rows an assumed pair of bounds keeps (around the histogram's middle). */
export const ASSUMED_RANGE_SHARE = 0.1;
/** Fewer histogram bounds than this cannot place a tenth of the rows. */
const MIN_HISTOGRAM = 10;

/** A value assumed for one bound: a bare `$n`, or an expression over parameters (its site, as Predicate.valueSite). */
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
      const hist = table.columns.find((c) => c.name === column)?.stats?.histogramBounds ?? [];
      if (hist.length < MIN_HISTOGRAM) continue;
      const at = (q: number) => quoteLiteral(hist[Math.round(q * (hist.length - 1))]!);
      const lowerValue = at(0.5 - ASSUMED_RANGE_SHARE / 2);
      const upperValue = at(0.5 + ASSUMED_RANGE_SHARE / 2);
      const why = `two bounds on ${column} that no source saw: assumed to keep ${ASSUMED_RANGE_SHARE * 100} % of the rows (pg_stats' histogram), where a generic plan assumes 0.5 %`;
      const on = unknown.filter((p) => p.key.column === column);
      const between = on.find((p) => p.operator === 'BETWEEN');
      if (between) {
        out.push(...bound(between, 'lower', lowerValue, why), ...bound(between, 'upper', upperValue, why));
        continue;
      }
      const lower = on.find((p) => p.operator.startsWith('>'));
      const upper = on.find((p) => p.operator.startsWith('<'));
      if (lower && upper) out.push(...bound(lower, 'lower', lowerValue, why), ...bound(upper, 'upper', upperValue, why));
    }
  }
  return out;
}

/** The `$n` or the expression site that one bound of `p` stands on. */
function bound(p: Predicate, which: 'lower' | 'upper', value: string, why: string): AssumedBound[] {
  const params = p.params!;
  if (p.operator === 'BETWEEN') {
    const site = p.boundSites?.[which === 'lower' ? 0 : 1];
    if (site == null) return [{ param: which === 'lower' ? params[0]! : params.at(-1)!, value, why }];
    return [{ param: params[0]!, site: { location: site, text: `${which} bound of ${p.text}` }, value, why }];
  }
  if (p.valueSite === undefined) return params.length === 1 ? [{ param: params[0]!, value, why }] : [];
  return [{ param: params[0]!, site: { location: p.valueSite, text: valueText(p) }, value, why }];
}
