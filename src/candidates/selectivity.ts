// Estimates from pg_stats of how many rows a constant condition keeps, for deciding whether a
// partial index is worth proposing (it is when it covers a small part of the table).
import type { CatalogColumn, CatalogTable, Predicate } from '../types.js';

/** Fraction of the table's rows that satisfy the predicate, or undefined when the stats cannot say. */
export function predicateFraction(p: Predicate, table: CatalogTable): number | undefined {
  const col = p.key.column ? table.columns.find((c) => c.name === p.key.column) : undefined;
  const st = col?.stats;
  if (!col || !st) return undefined;
  switch (p.kind) {
    case 'isnull':
      return st.nullFrac;
    case 'isnotnull':
      return 1 - st.nullFrac;
    case 'bool':
      return valueFraction(col, p.constant === 'false' ? 'f' : 't');
    case 'eq':
      return p.constant !== undefined ? valueFraction(col, unquote(p.constant)) : undefined;
    case 'in': {
      if (!p.constants) return undefined;
      const fs = [...new Set(p.constants.map(unquote))].map((v) => valueFraction(col, v));
      return fs.every((f) => f !== undefined)
        ? Math.min(
            1,
            fs.reduce((a, b) => a + b!, 0),
          )
        : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * Expected fraction of rows a predicate keeps, for ordering index keys (most selective first):
 * the stats' fraction where the constant is known, 1/distinct values for an equality on a
 * parameter, a planner-like default otherwise.
 */
export function predicateSelectivity(p: Predicate, table: CatalogTable): number {
  const f = predicateFraction(p, table);
  if (f !== undefined) return f;
  const st = p.key.column ? table.columns.find((c) => c.name === p.key.column)?.stats : undefined;
  if (st && (p.kind === 'eq' || p.kind === 'in')) {
    const distinct = st.nDistinct < 0 ? -st.nDistinct * Math.max(table.rows, 1) : st.nDistinct;
    return (1 - st.nullFrac) / Math.max(1, distinct);
  }
  return p.kind === 'eq' || p.kind === 'in' ? 0.005 : 0.5;
}

/** Fraction of rows equal to `value` (as pg_stats prints it). */
export function valueFraction(col: CatalogColumn, value: string): number | undefined {
  const st = col.stats;
  if (!st) return undefined;
  const vals = st.mostCommonVals ?? [];
  const freqs = st.mostCommonFreqs ?? [];
  const i = vals.indexOf(value);
  if (i >= 0) return freqs[i];
  // Not among the most common values: the rest of the non-null rows spread over the other values.
  const rest = Math.max(0, 1 - st.nullFrac - freqs.reduce((a, b) => a + b, 0));
  const distinct = st.nDistinct < 0 ? undefined : st.nDistinct;
  if (distinct === undefined) return rest / 1000; // a mostly-unique column: any one value is rare
  const others = Math.max(1, distinct - vals.length);
  return rest / others;
}

/** `'it''s'` → `it's`; anything else as it is. */
export function unquote(literal: string): string {
  const m = /^'(.*)'$/s.exec(literal);
  return m ? m[1]!.replace(/''/g, "'") : literal;
}
