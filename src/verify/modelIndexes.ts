// The cost model applied to the candidates hypopg cannot simulate: per candidate, its estimated
// size and, per statement it serves, the statement's modelled cost with it, in the shape of a real
// measurement (before: the plan without it; after: the modelled cost), so that the selection judges
// both alike. Pure: the plans come from the selection's baseline.
import { findTable } from '../catalog/find.js';
import type { Catalog, CostOutcome, IndexCandidate, ParsedStatement, RealMeasurement } from '../types.js';
import { type CostSettings, estimateIndexShape, modelStatement } from './indexCostModel.js';

export function modelIndexes(
  candidates: IndexCandidate[],
  servedBy: (c: IndexCandidate) => ParsedStatement[],
  plans: Map<string, CostOutcome>,
  catalog: Catalog,
  settings: CostSettings,
  serverVersion: number,
): RealMeasurement[] {
  const out: RealMeasurement[] = [];
  for (const c of candidates) {
    const table = findTable(catalog, c.schema, c.table);
    if (!table) continue;
    const shape = estimateIndexShape(c, table, settings);
    const before = new Map<string, CostOutcome>();
    const after = new Map<string, CostOutcome>();
    const evidence: string[] = [`size ≈ ${shape.pages} pages from pg_stats (${shape.basis})`];
    for (const s of servedBy(c)) {
      const plan = plans.get(s.id);
      if (!plan?.ok) continue;
      const v = modelStatement(c, s, plan, table, shape, settings, serverVersion);
      if (!v) continue;
      before.set(s.id, plan);
      after.set(s.id, { ok: true, cost: v.uses ? v.cost : plan.cost, indexesUsed: v.uses ? [c.key] : [], scans: [] });
      evidence.push(`${v.detail}: ${v.path.toFixed(1)} against ${v.replaced.toFixed(1)}`);
    }
    if (before.size > 0) out.push({ candidate: c, bytes: shape.bytes, before, after, evidence: [...new Set(evidence)] });
  }
  return out;
}
