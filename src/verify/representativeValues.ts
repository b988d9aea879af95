// Generic plans do not know what the constants were: `status = $1` is costed for an average value.
// To cost a statement a second way, pick representative values from pg_stats for each parameter:
// a typical value for equality (the middle of the histogram, else the most common value), and
// bounds that keep about a tenth of the rows for ranges. Parameters with no such source (patterns,
// intervals, function arguments) make the statement unrepresentable: it keeps its generic cost only.
import { findTable } from '../catalog/find.js';
import { quoteLiteral } from '../db/quote.js';
import type { Catalog, CatalogColumn, ParsedStatement } from '../types.js';

export type Representation = { ok: true; values: string[]; shown: Record<string, string> } | { ok: false; reason: string };

export function representativeValues(stmt: ParsedStatement, catalog: Catalog): Representation {
  if (!stmt.paramCount) return { ok: false, reason: 'no parameters' };
  const chosen = new Map<number, string>();
  // Values the application was seen to send (the most frequent first), as they are; inferred ones are not known.
  const recovered = new Map<number, string>();
  for (const r of stmt.recovered ?? [])
    if (!r.certain && !r.inferred && !r.assumed && !r.site && !recovered.has(r.param)) recovered.set(r.param, r.value);
  for (const access of stmt.tables) {
    const table = findTable(catalog, access.schema, access.table);
    if (!table) continue;
    for (const p of access.predicates) {
      if (!p.params?.length || !p.key.column) continue;
      const col = table.columns.find((c) => c.name === p.key.column);
      const picks = col ? pick(col, p.kind, p.operator, p.params.length) : undefined;
      if (!picks) continue;
      p.params.forEach((n, i) => {
        if (!chosen.has(n) && picks[i] !== undefined) chosen.set(n, picks[i]!);
      });
    }
  }
  const values: string[] = [];
  const shown: Record<string, string> = {};
  for (let n = 1; n <= stmt.paramCount; n++) {
    const declared = stmt.paramTypes?.[n - 1];
    const v = chosen.get(n);
    const r = recovered.get(n);
    if (r !== undefined && declared !== 'text') {
      values.push(r);
      shown[`$${n}`] = r;
    } else if (v !== undefined) {
      values.push(quoteLiteral(v));
      shown[`$${n}`] = quoteLiteral(v);
    } else if (declared === 'text') {
      values.push('NULL'); // not in the text any more (rewritten away)
    } else {
      return { ok: false, reason: `no representative value for $${n}` };
    }
  }
  return { ok: true, values, shown };
}

/** Values (as text) for a predicate's parameters, or undefined when the statistics cannot say. */
function pick(col: CatalogColumn, kind: string, operator: string, count: number): string[] | undefined {
  const hist = col.stats?.histogramBounds ?? [];
  const mcv = col.stats?.mostCommonVals ?? [];
  const at = (q: number) => (hist.length ? hist[Math.min(hist.length - 1, Math.max(0, Math.round(q * (hist.length - 1))))] : undefined);
  switch (kind) {
    case 'eq':
    case 'neq':
    case 'in': {
      const pool = hist.length
        ? Array.from({ length: count }, (_, i) => at(0.5 + (i - (count - 1) / 2) / Math.max(hist.length, 2 * count)))
        : mcv.slice(0, count);
      return pool.length === count && pool.every((v) => v !== undefined) ? (pool as string[]) : undefined;
    }
    case 'range': {
      if (operator === 'BETWEEN') return [at(0.45), at(0.55)].every((v) => v !== undefined) ? [at(0.45)!, at(0.55)!] : undefined;
      if (count !== 1) return undefined;
      const v = operator.startsWith('>') ? at(0.9) : operator.startsWith('<') ? at(0.1) : undefined;
      return v === undefined ? undefined : [v];
    }
    default:
      return undefined;
  }
}
