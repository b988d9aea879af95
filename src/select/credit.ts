// Credit: every statement a chosen index may serve is costed once with the whole set, and its
// saving goes to the chosen index its plan uses. A plan that uses several is costed again without
// each of them, and the saving is shared in proportion to what each one's absence would cost: an
// index the plan needs gets its due whatever the order the rounds chose them in.
import type { ChosenIndex, Regression, Scoring } from '../types.js';
import type { Costing } from './costing.js';
import { gain, weightOf } from './scoring.js';
import type { Targets } from './targets.js';

/** Above this much dearer (Azure's index tuning vetoes at 10 %), a statement is named. */
export const REGRESSION_SHARE = 0.1;

export interface Credited {
  chosen: ChosenIndex[];
  /** Each statement's cost with the whole set where that counts as a saving; else its baseline. */
  final: Map<string, number>;
  regressions: Regression[];
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
  const regressions: Regression[] = [];
  await Promise.all(
    served.map(async (st) => {
      const r = withAll.get(st.id);
      if (!r?.ok) return;
      const using = credited.filter((x) => r.indexesUsed.includes(x.candidate.key));
      const before = ctx.baseline.get(st.id)!;
      if (r.cost > before * (1 + REGRESSION_SHARE)) {
        regressions.push({ statementId: st.id, costBefore: before, costAfter: r.cost, indexesUsed: using.map((x) => x.candidate.key) });
      }
      const g = gain(ctx.scoring, st.id, before, r.cost);
      if (g <= 0 || using.length === 0) return;
      final.set(st.id, r.cost);
      // Shared by the indexes the plan uses, each in proportion to what the statement would lose
      // without it (the rest of the set in place); equally where any of them could stand in for another.
      const losses =
        using.length === 1
          ? [1]
          : await Promise.all(
              using.map(async (x) => {
                const without = (
                  await ctx.costing.costs(
                    [st],
                    config.filter((c) => c !== x.candidate),
                  )
                ).get(st.id);
                return without?.ok ? Math.max(0, without.cost - r.cost) : 0;
              }),
            );
      const total = losses.reduce((n, l) => n + l, 0);
      for (const [k, x] of using.entries()) {
        const part = total > 0 ? losses[k]! / total : 1 / using.length;
        if (part <= 0) continue;
        x.benefit += g * part;
        x.statements.push({ statementId: st.id, costBefore: before, costAfter: r.cost, weight: weightOf(ctx.scoring, st.id) });
      }
    }),
  );
  // Most saved first (the order the statements finished costing in is no order at all).
  const saved = (g: ChosenIndex['statements'][number]) => (g.costBefore - g.costAfter) * g.weight;
  for (const ch of credited) ch.statements.sort((a, b) => saved(b) - saved(a) || (a.statementId < b.statementId ? -1 : 1));
  regressions.sort((a, b) => (a.statementId < b.statementId ? -1 : 1));
  return { chosen: credited, final, regressions };
}
