// Pruning: an index chosen early may be made redundant by later ones. Each is dropped again when
// the workload, without it, loses less than it costs to keep (its write cost) or less than
// --min-benefit-share.
import type { ChosenIndex, Scoring } from '../types.js';
import type { Costing } from './costing.js';
import type { GreedyRun } from './rounds.js';
import { gain } from './scoring.js';
import type { Targets } from './targets.js';

export async function pruneRedundant(
  run: GreedyRun,
  ctx: { costing: Costing; scoring: Scoring; targets: Targets; totalWeightedCost: number; minBenefitShare: number },
  onProgress?: (phase: string, done: number, total: number) => void,
): Promise<GreedyRun> {
  const chosen: ChosenIndex[] = [...run.chosen];
  const notChosen = [...run.notChosen];
  const current = new Map(run.current);
  // Latest first: the early choices are the ones later ones may have made redundant.
  for (let i = chosen.length - 1; i >= 0 && chosen.length > 1; i--) {
    onProgress?.('removing redundant indexes', chosen.length - 1 - i, chosen.length);
    const victim = chosen[i]!;
    const others = chosen.filter((_, j) => j !== i).map((x) => x.candidate);
    // The statements the rounds chose it for (the credit then counts all it serves).
    const affected = ctx.targets.costedOn(victim.candidate);
    const without = await ctx.costing.costs(affected, others);
    let loss = 0;
    for (const s of affected) {
      const r = without.get(s.id);
      if (r?.ok) loss += gain(ctx.scoring, s.id, r.cost, current.get(s.id)!);
    }
    const net = loss - victim.writeCost;
    if (net <= 0 || (ctx.totalWeightedCost > 0 && net / ctx.totalWeightedCost < ctx.minBenefitShare)) {
      chosen.splice(i, 1);
      notChosen.unshift({ candidate: victim.candidate, reason: 'made redundant by the indexes chosen after it', net: Math.max(0, net) });
      for (const s of affected) {
        const r = without.get(s.id);
        if (r?.ok) current.set(s.id, r.cost);
      }
    }
  }
  return { chosen, current, notChosen };
}
