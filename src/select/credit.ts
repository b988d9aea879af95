// Credit: every statement a chosen index may serve is costed once with the whole set, and its
// saving goes to the chosen index its plan uses. A plan that uses several is costed again with the
// first of them, then the first two…, each credited with what it adds (in the order they were
// chosen). One call per statement instead of one per (index, statement).
import type { ChosenIndex, CostOutcome, IndexCandidate, Scoring } from '../types.js';
import type { Costing } from './costing.js';
import { gain, weightOf } from './scoring.js';
import type { Targets } from './targets.js';

export interface Credited {
  chosen: ChosenIndex[];
  /** Each statement's cost with the whole set (its baseline where no chosen index serves it). */
  final: Map<string, number>;
}

export async function creditChosen(
  chosen: ChosenIndex[],
  ctx: { costing: Costing; scoring: Scoring; targets: Targets; baseline: Map<string, number> },
): Promise<Credited> {
  const final = new Map(ctx.baseline);
  const credited = chosen.map((ch): ChosenIndex => ({ ...ch, statements: [], benefit: -ch.writeCost }));
  const config = credited.map((x) => x.candidate);
  const served = [...new Set(credited.flatMap((x) => ctx.targets.servedBy(x.candidate)))];
  const withAll = await ctx.costing.costs(served, config);
  const credit = (ch: ChosenIndex, id: string, before: number, after: number): boolean => {
    const g = gain(ctx.scoring, id, before, after);
    if (g <= 0) return false;
    ch.benefit += g;
    ch.statements.push({ statementId: id, costBefore: before, costAfter: after, weight: weightOf(ctx.scoring, id) });
    final.set(id, after);
    return true;
  };
  await Promise.all(
    served.map(async (st) => {
      const r = withAll.get(st.id);
      if (!r?.ok) return;
      const using = credited.filter((x) => r.indexesUsed.includes(x.candidate.key));
      let before = ctx.baseline.get(st.id)!;
      for (let k = 0; k < using.length; k++) {
        const prefix: IndexCandidate[] = using.slice(0, k + 1).map((x) => x.candidate);
        const after: CostOutcome | undefined = k === using.length - 1 ? r : (await ctx.costing.costs([st], prefix)).get(st.id);
        if (after?.ok && credit(using[k]!, st.id, before, after.cost)) before = after.cost;
      }
    }),
  );
  return { chosen: credited, final };
}
