// How planner costs become workload figures. A statement weighs its calls (or, weighted by time,
// its total execution time spread over its baseline cost); a saving counts only above the noise.
import type { ParsedStatement, Scoring, WorkloadStatement } from '../types.js';

/** Planner cost units a call must save to count (about two random page reads). */
export const MIN_SAVING_PER_CALL = 10;
/**
 * Under `minImprovement`, a cut down to this share of a statement's cost still counts where a new
 * index serves the statement selectively (selective.ts); below it, it is planner noise.
 */
export const SMALL_IMPROVEMENT_FLOOR = 0.05;

export function makeScoring(
  workload: WorkloadStatement[],
  statements: ParsedStatement[],
  baseline: Map<string, number>,
  opts: {
    weight?: 'calls' | 'total_time';
    minImprovement: number;
    /** Statements served selectively (selective.ts): only their smaller cuts may count. */
    selective?: ReadonlySet<string>;
  },
): Scoring {
  const info = new Map(workload.map((w) => [w.id, w]));
  // Weighting by time needs times: a workload file without them is weighted by calls.
  const byTime = opts.weight === 'total_time' && workload.some((w) => w.totalExecMs > 0);
  const out: Scoring['statements'] = new Map();
  for (const s of statements) {
    const w = info.get(s.id);
    const b = baseline.get(s.id);
    if (w && b !== undefined) out.set(s.id, { calls: w.calls, totalExecMs: w.totalExecMs, baseline: b });
  }
  return {
    weight: byTime ? 'total_time' : 'calls',
    statements: out,
    minImprovement: opts.minImprovement,
    minSavingPerCall: MIN_SAVING_PER_CALL,
    smallImprovementFloor: Math.min(opts.minImprovement, SMALL_IMPROVEMENT_FLOOR),
    selective: new Set(opts.selective ?? []),
  };
}

/**
 * Whether a statement's saving of `saving` cost units a call (from `before`) is the index's doing
 * and worth having: a cut of `minImprovement` of its cost, or, where a new index reads a small part
 * of a table (a lookup, a narrow range: the 20 % an index takes off a long report query), a cut of
 * `smallImprovementFloor`. A bitmap scan over a third of a table that the planner prices a little
 * under the sequential scan needs the large cut.
 */
export function counts(s: Scoring, id: string, before: number, saving: number): boolean {
  if (saving <= 0 || before <= 0 || saving < s.minSavingPerCall) return false;
  const rel = saving / before;
  return rel >= s.minImprovement || (rel >= s.smallImprovementFloor && s.selective.has(id));
}

/** A statement's weighted cost at the given planner cost (the units of benefits and shares). */
export function weightedCost(s: Scoring, id: string, cost: number): number {
  const w = s.statements.get(id);
  if (!w || w.baseline <= 0) return 0;
  return s.weight === 'total_time' ? (w.totalExecMs * cost) / w.baseline : w.calls * cost;
}

/** What a statement weighs: its calls, or its total time in ms. */
export function weightOf(s: Scoring, id: string): number {
  const w = s.statements.get(id);
  return (s.weight === 'total_time' ? w?.totalExecMs : w?.calls) ?? 0;
}

/**
 * The weighted saving of going from `before` to `after`, or 0 where it does not count: small
 * relative changes are planner noise, not an index's doing, and a few cost units a call (an
 * index-only scan for a one-row lookup) are not worth an index either.
 */
export function gain(s: Scoring, id: string, before: number, after: number): number {
  const w = s.statements.get(id);
  if (!w || w.baseline <= 0 || after >= before) return 0;
  if (!counts(s, id, before, before - after)) return 0;
  return weightedCost(s, id, before - after);
}

/** Σ weighted cost of the statements at the given costs. */
export function workloadCost(s: Scoring, costs: Map<string, number>): number {
  let n = 0;
  for (const [id, c] of costs) n += weightedCost(s, id, c);
  return n;
}

/**
 * Write costs are in calls × cost units; weighted by time they are converted at the workload's own
 * rate (its weighted cost per call × cost unit).
 */
export function writeCostUnits(s: Scoring, totalWeightedCost: number): number {
  if (s.weight !== 'total_time') return 1;
  let callCost = 0;
  for (const w of s.statements.values()) callCost += w.calls * w.baseline;
  return totalWeightedCost / Math.max(1e-9, callCost);
}
