// What a DBA would strike out of the set: an index credited with (almost) nothing, two with the
// same key that differ only in their INCLUDE lists, a full index beside a partial one on the same
// key, an index whose key leads another's (the audit would call it redundant the next night). Each
// is dropped when the workload, without it, loses less than the bar every index must clear;
// otherwise both stay, and the report says why. An index through which the planner expects a
// statement to get more than 10 % dearer goes unless it saves the rest of the workload more.
import { columnSql, describeIndex } from '../candidates/indexDefinition.js';
import { tableOf } from '../candidates/tableOf.js';
import type { ChosenIndex, IndexCandidate, Scoring, StruckIndex } from '../types.js';
import type { Costing } from './costing.js';
import type { Credited } from './credit.js';
import { gain, weightedCost } from './scoring.js';
import type { Targets } from './targets.js';

/** A share that prints as 0.0 %: no recommendation may be credited with that. */
const PRINTS_AS_ZERO = 0.0005;

export interface StrikeContext {
  costing: Costing;
  scoring: Scoring;
  targets: Targets;
  totalWeightedCost: number;
  minBenefitShare: number;
  credit: (chosen: ChosenIndex[]) => Promise<Credited>;
  /** The statement's text, to name it in a reason (a queryid alone means nothing to a reader). */
  statementText?: (id: string) => string | undefined;
}

/** `SELECT … FROM orders WHERE …`, on one line and short, with its id. */
function nameStatement(id: string, text: string | undefined): string {
  if (!text) return `statement ${id}`;
  const line = text.replace(/\s+/g, ' ').trim();
  return `\`${line.length > 80 ? `${line.slice(0, 79)}…` : line}\` (statement ${id})`;
}

export async function strikeOut(start: Credited, ctx: StrikeContext): Promise<Credited & { struck: StruckIndex[] }> {
  let current = start;
  const struck: StruckIndex[] = [];
  const bar = Math.max(ctx.minBenefitShare, PRINTS_AS_ZERO) * ctx.totalWeightedCost;
  const share = (n: number) => `${((100 * n) / Math.max(ctx.totalWeightedCost, 1e-9)).toFixed(2)} %`;
  const pct = (f: number) => `${(100 * f).toFixed(0)} %`;

  /** What the workload loses without `x`, net of what x costs to keep. */
  const lossWithout = async (x: ChosenIndex, set: ChosenIndex[]): Promise<number> => {
    const stmts = ctx.targets.servedBy(x.candidate);
    const without = await ctx.costing.costs(
      stmts,
      set.filter((c) => c !== x).map((c) => c.candidate),
    );
    let loss = 0;
    for (const s of stmts) {
      const r = without.get(s.id);
      if (r?.ok) loss += gain(ctx.scoring, s.id, r.cost, current.final.get(s.id)!);
    }
    return loss - x.writeCost;
  };

  const kept = new Map<string, string[]>();
  const note = (x: ChosenIndex, text: string) => kept.set(x.candidate.key, [...(kept.get(x.candidate.key) ?? []), text]);
  for (let pass = 0; pass < start.chosen.length; pass++) {
    const set = current.chosen;
    let victim: { x: ChosenIndex; reason: string } | undefined;
    // Credited with (almost) nothing: the plans use another index, or save next to nothing.
    for (const x of [...set].filter((c) => c.benefit < bar).sort((a, b) => a.benefit - b.benefit)) {
      const net = await lossWithout(x, set);
      const credited = `credited with ${share(Math.max(0, x.benefit))} of the workload's cost`;
      if (net < bar) {
        victim = { x, reason: `${credited}; without it the workload loses ${share(Math.max(0, net))}` };
        break;
      }
      // Its plans share their saving with other indexes, but they need it.
      note(
        x,
        `${credited} (its plans share the saving with other indexes), but without it the workload's cost rises ${share(net + x.writeCost)}`,
      );
    }
    if (!victim) {
      for (const [a, b, why] of nearDuplicates(set)) {
        // The smaller loss goes, if it is under the bar; else both stay, with the figures.
        const [la, lb] = [await lossWithout(a, set), why === 'prefix' ? Number.POSITIVE_INFINITY : await lossWithout(b, set)];
        const [x, other, net] = la <= lb ? [a, b, la] : [b, a, lb];
        if (net < bar) {
          victim = {
            x,
            reason: `${describe(why)} ${describeIndex(other.candidate)}; without it the workload loses ${share(Math.max(0, net))}`,
          };
          break;
        }
        for (const [y, z, l] of [
          [a, b, la],
          [b, a, lb],
        ] as const) {
          if (Number.isFinite(l))
            note(
              y,
              `kept beside ${describeIndex(z.candidate)} (${describe(why)}): without it the workload's estimated cost rises ${share(l + y.writeCost)}`,
            );
        }
      }
    }
    // A statement the set makes markedly dearer (Azure's index tuning vetoes at 10 %): the index its
    // plan goes through stays only when it saves the workload more than the rise costs.
    if (!victim) {
      for (const r of current.regressions) {
        const rise = weightedCost(ctx.scoring, r.statementId, r.costAfter - r.costBefore);
        const dearer = `makes ${nameStatement(r.statementId, ctx.statementText?.(r.statementId))} ${pct(r.costAfter / Math.max(r.costBefore, 1e-9) - 1)} dearer (${share(rise)} of the workload's cost)`;
        for (const x of set.filter((c) => r.indexesUsed.includes(c.candidate.key))) {
          const net = await lossWithout(x, set);
          if (net < rise + bar) {
            victim = { x, reason: `${dearer}; it saves the rest of the workload only ${share(Math.max(0, net))}` };
            break;
          }
          note(x, `kept although it ${dearer}: without it the workload's cost rises ${share(net + x.writeCost)}`);
        }
        if (victim) break;
      }
    }
    if (!victim) break;
    struck.push({ candidate: victim.x.candidate, reason: victim.reason });
    for (const notes of kept.values()) notes.length = 0;
    current = await ctx.credit(set.filter((c) => c !== victim.x));
  }
  const chosen = current.chosen.map((ch) => {
    const notes = [...new Set(kept.get(ch.candidate.key) ?? [])];
    return notes.length ? { ...ch, notes } : ch;
  });
  return { ...current, chosen, struck };
}

type Why = 'include' | 'partial' | 'prefix';

function describe(why: Why): string {
  return why === 'include' ? 'the same key as' : why === 'partial' ? 'the same key, partial or not, as' : 'its key leads that of';
}

/**
 * Pairs a DBA would look at twice, in the order of the set: the same key with other INCLUDE
 * columns; the same key, one partial and one not; a b-tree key that is a prefix of another's
 * (the first of the pair is the one that may go).
 */
export function nearDuplicates(set: ChosenIndex[]): Array<[ChosenIndex, ChosenIndex, Why]> {
  const keyOf = (c: IndexCandidate) => `${tableOf(c)}\u0000${c.method}\u0000${c.columns.map(columnSql).join('\u0000')}`;
  const out: Array<[ChosenIndex, ChosenIndex, Why]> = [];
  for (const [i, a] of set.entries()) {
    for (const b of set.slice(i + 1)) {
      const [ca, cb] = [a.candidate, b.candidate];
      if (tableOf(ca) !== tableOf(cb) || ca.method !== cb.method) continue;
      if (keyOf(ca) === keyOf(cb)) {
        if ((ca.where ?? '') === (cb.where ?? '')) out.push([a, b, 'include']);
        else if (!ca.where || !cb.where) out.push([a, b, 'partial']);
        continue;
      }
      if (ca.method !== 'btree' || (ca.where ?? '') !== (cb.where ?? '')) continue;
      const leads = (p: IndexCandidate, q: IndexCandidate) =>
        p.columns.length < q.columns.length && p.columns.every((col, k) => columnSql(col) === columnSql(q.columns[k]!));
      if (leads(ca, cb)) out.push([a, b, 'prefix']);
      else if (leads(cb, ca)) out.push([b, a, 'prefix']);
    }
  }
  return out;
}
