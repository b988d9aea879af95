// The greedy rounds, evaluated lazily (CELF, Leskovec et al. 2007): each round adds the candidate
// with the best net benefit given what is already chosen, so an index that a chosen one makes
// useless is not picked. A candidate's benefit only shrinks as others are chosen, so its last
// figure bounds it, and so does what its statements can still save; each round re-costs candidates
// from the top of those bounds until the top one is fresh.
import { tableOf } from '../candidates/tableOf.js';
import { formatBytes } from '../format.js';
import type { ChosenIndex, IndexCandidate, NotChosen, ParsedStatement, Scoring, StatementGain } from '../types.js';
import type { Costing } from './costing.js';
import { counts, gain, weightedCost, weightOf } from './scoring.js';
import type { Screening } from './screening.js';
import type { Targets } from './targets.js';

/**
 * Screening's best cost of a statement (every candidate at once) is a lower bound only nearly: the
 * planner keeps paths within 1 % of each other as equals and prunes them differently with more
 * indexes, and fewer indexes did plan TPC-H's joins a few per cent cheaper. Bounds allow this much.
 */
const BEST_SLACK = 0.05;
/** A smaller candidate within this share of the best one's benefit is preferred: a wider index must earn its width. */
const NEAR_BEST = 0.95;

export interface RoundsInput {
  costing: Costing;
  scoring: Scoring;
  /** The statements that could be planned, and their costs with no new index. */
  stmts: ParsedStatement[];
  baseline: Map<string, number>;
  totalWeightedCost: number;
  /** The candidates screening saw the planner use: the race. */
  pool: IndexCandidate[];
  /** Narrower prefixes of the pool's candidates (tried when their wider twin is a round's best). */
  narrower: Map<string, IndexCandidate[]>;
  screening: Screening;
  targets: Targets;
  /** Write cost of a candidate, in the scoring's units. */
  writeCost: (c: IndexCandidate) => number;
  minBenefitShare: number;
  budgetBytes?: number;
  maxIndexes?: number;
  maxPerTable?: number;
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface GreedyRun {
  chosen: ChosenIndex[];
  /** Each statement's cost with the chosen indexes, as the rounds measured it. */
  current: Map<string, number>;
  /** Why each candidate of the race was not chosen, and what it was last found to save (net). */
  notChosen: NotChosen[];
}

type Scored = { c: IndexCandidate; net: number; score: number; gains: StatementGain[]; wc: number; round: number };

/**
 * One greedy run, by net benefit or (`byRatio`, under a budget) by net benefit per byte.
 */
export async function runGreedy(input: RoundsInput, byRatio: boolean): Promise<GreedyRun> {
  const { costing, scoring, stmts, pool, narrower, screening, targets, totalWeightedCost, writeCost } = input;
  const sizeOf = (c: IndexCandidate) => costing.sizes.get(c.key) ?? 0;
  const current = new Map(input.baseline);
  const chosen: ChosenIndex[] = [];
  let bytesUsed = 0;
  const bounds = new Map<string, Scored>();
  const dropped = new Set<string>();
  const scoreOf = (c: IndexCandidate, net: number) => (byRatio ? net / Math.max(sizeOf(c), 8192) : net);

  /**
   * What is left to save on a statement: down to screening's best (no set of the candidates does
   * much better), and nothing when that is too little to count (under --min-improvement of its
   * current cost, or the minimum saving a call).
   */
  const wayLeft = (st: ParsedStatement): number => {
    const cur = current.get(st.id)!;
    const best = screening.bestPossible.get(st.id);
    if (best === undefined) return cur;
    const way = cur - best * (1 - BEST_SLACK);
    return counts(scoring, st.id, cur, way) ? way : 0;
  };

  const evaluate = async (c: IndexCandidate, config: IndexCandidate[]) => {
    // A statement with nothing left to save cannot count a gain: it is not costed.
    const affected = targets.costedOn(c).filter((st) => wayLeft(st) > 0);
    const costs = await costing.costs(affected, [...config, c]);
    const gains: StatementGain[] = [];
    let total = 0;
    for (const s of affected) {
      const r = costs.get(s.id);
      if (!r?.ok) continue;
      const before = current.get(s.id)!;
      const g = gain(scoring, s.id, before, r.cost);
      if (g > 0) {
        total += g;
        gains.push({ statementId: s.id, costBefore: before, costAfter: r.cost, weight: weightOf(scoring, s.id) });
      }
    }
    return { total, gains };
  };

  /**
   * What a candidate can still save: what is left on each statement it is costed on. It shrinks as
   * chosen indexes serve the statements, so a candidate whose statements are served leaves the race
   * without an evaluation; before its first evaluation it is what a candidate is ranked by.
   */
  let roomOf = new Map<string, number>();
  const headroom = (c: IndexCandidate): number => {
    let room = roomOf.get(c.key);
    if (room === undefined) {
      room = 0;
      for (const st of targets.costedOn(c)) {
        const way = wayLeft(st);
        if (way > 0) room += weightedCost(scoring, st.id, way);
      }
      roomOf.set(c.key, room);
    }
    return room;
  };
  let currentRound = 0;
  /** An upper bound of the candidate's net benefit now: its last figure, or what is left to save. */
  const netBound = (c: IndexCandidate) => Math.min(bounds.get(c.key)?.net ?? Number.POSITIVE_INFINITY, headroom(c));
  const boundOf = (c: IndexCandidate) => {
    const b = bounds.get(c.key);
    return b?.round === currentRound ? b.score : scoreOf(c, netBound(c));
  };
  const tooSmall = (net: number) => net <= 0 || (totalWeightedCost > 0 && net / totalWeightedCost < input.minBenefitShare);
  const batch = Math.max(2, 2 * costing.connections);
  /** Whether the candidate can still join the set (budget, caps), whatever its benefit. */
  const fits = (c: IndexCandidate, config: IndexCandidate[]) => {
    if (config.some((x) => x.key === c.key) || costing.rejected.has(c.key)) return false;
    if (input.budgetBytes !== undefined && bytesUsed + sizeOf(c) > input.budgetBytes) return false;
    if (input.maxPerTable !== undefined && config.filter((x) => tableOf(x) === tableOf(c)).length >= input.maxPerTable) return false;
    return true;
  };

  for (let round = 1; ; round++) {
    if (input.maxIndexes !== undefined && chosen.length >= input.maxIndexes) break;
    currentRound = round;
    roomOf = new Map();
    const config = chosen.map((x) => x.candidate);
    const isOpen = (c: IndexCandidate) => !dropped.has(c.key) && fits(c, config);
    const open = pool.filter(isOpen);
    // Under a budget the greedy runs twice: say which run the rounds belong to.
    const run = input.budgetBytes === undefined ? '' : byRatio ? ' by benefit per byte' : ' by benefit';
    const phase = `selection${run}, round ${round} (${chosen.length} chosen)`;
    let evaluated = 0;
    const refresh = (list: IndexCandidate[]) =>
      Promise.all(
        list.map(async (c) => {
          const { total, gains } = await evaluate(c, config);
          const wc = writeCost(c);
          const net = total - wc;
          bounds.set(c.key, { c, net, score: scoreOf(c, net), gains, wc, round });
          // Too small now, too small later: benefits only shrink as the set grows.
          if (tooSmall(net)) dropped.add(c.key);
          input.onProgress?.(phase, ++evaluated, open.length);
        }),
      );
    const isFresh = (c: IndexCandidate) => bounds.get(c.key)?.round === round;
    let best: Scored | undefined;
    // Sorted once a round; refreshed candidates (whose bound only falls) are put back in place.
    for (const c of open) if (tooSmall(netBound(c))) dropped.add(c.key);
    const ranked = open.filter((c) => !dropped.has(c.key)).sort((a, b) => boundOf(b) - boundOf(a));
    for (;;) {
      if (ranked.length === 0) break;
      if (isFresh(ranked[0]!)) {
        best = bounds.get(ranked[0]!.key);
        break;
      }
      const stale: IndexCandidate[] = [];
      for (let i = 0; i < ranked.length && stale.length < batch; i++) if (!isFresh(ranked[i]!)) stale.push(ranked[i]!);
      await refresh(stale);
      for (const c of stale) {
        ranked.splice(ranked.indexOf(c), 1);
        if (!dropped.has(c.key)) ranked.splice(insertionPoint(ranked, boundOf(c), boundOf), 0, c);
      }
    }
    if (!best) break;
    // Nearly as good and much smaller (partial, no INCLUDE, BRIN, hash): take the smaller one.
    const top = best;
    const near = (x: Scored | undefined) => x !== undefined && x.net >= NEAR_BEST * top.net && sizeOf(x.c) < sizeOf(top.c);
    // Any smaller open candidate whose benefit could still be near (its bound says whether it can be).
    const maybeSmaller = [
      ...open.filter(
        (c) =>
          !dropped.has(c.key) &&
          c !== top.c &&
          tableOf(c) === tableOf(top.c) &&
          sizeOf(c) < sizeOf(top.c) &&
          netBound(c) >= NEAR_BEST * top.net,
      ),
      ...(narrower.get(top.c.key) ?? []).filter((c) => isOpen(c) && sizeOf(c) < sizeOf(top.c)),
    ];
    await refresh(maybeSmaller.filter((c) => !isFresh(c)));
    const smaller = maybeSmaller
      .map((c) => bounds.get(c.key)!)
      .filter((x) => !dropped.has(x.c.key) && near(x))
      .sort((a, b) => sizeOf(a.c) - sizeOf(b.c))[0];
    if (smaller) best = smaller;
    chosen.push({
      candidate: best.c,
      bytes: sizeOf(best.c),
      benefit: best.net,
      writeCost: best.wc,
      statements: best.gains,
      verification: { kind: 'hypopg' },
    });
    bytesUsed += sizeOf(best.c);
    for (const g of best.gains) current.set(g.statementId, g.costAfter);
    await reviveComplements(best);
  }

  /**
   * Benefits only shrink as the set grows, except where indexes complete each other: an index on
   * parts (brand) is useless until one on shipments (part_id) turns the hash join into a nested
   * loop. A dropped candidate that the planner used in a screening plan of a statement the new
   * index changed (so it is part of that statement's best plan) is costed again on that statement
   * alone; if it helps now, it is back in the race, bounded by that gain plus what it saved
   * elsewhere. Only those: re-costing every candidate of the changed statements would cost each
   * round as much as the first.
   */
  async function reviveComplements(added: Scored): Promise<void> {
    const config = chosen.map((x) => x.candidate);
    const changedIds = new Set(added.gains.map((g) => g.statementId));
    const changed = stmts.filter((st) => changedIds.has(st.id));
    const revivable = pool.filter((c) => c !== added.c && dropped.has(c.key) && bounds.has(c.key) && fits(c, config));
    await Promise.all(
      revivable.map(async (c) => {
        const on = changed.filter((st) => screening.usedBy.get(st.id)?.has(c.key) && targets.costedOn(c).includes(st));
        if (on.length === 0) return;
        const costs = await costing.costs(on, [...config, c]);
        let extra = 0;
        for (const st of on) {
          const r = costs.get(st.id);
          if (r?.ok) extra += gain(scoring, st.id, current.get(st.id)!, r.cost);
        }
        if (extra <= 0) return;
        const b = bounds.get(c.key)!;
        const net = Math.max(0, b.net) + extra;
        bounds.set(c.key, { ...b, net, score: scoreOf(c, net), round: 0 });
        dropped.delete(c.key);
      }),
    );
  }
  return { chosen, current, notChosen: whyNot() };

  /** For each candidate of the race left out, the reason, from the last the rounds knew of it. */
  function whyNot(): NotChosen[] {
    const config = chosen.map((x) => x.candidate);
    const taken = new Set(config.map((c) => c.key));
    const used = chosen.reduce((n, x) => n + x.bytes, 0);
    const pct = (n: number) => `${(100 * n).toFixed(n < 0.1 ? 2 : 1)} %`;
    const share = (n: number) => pct(n / Math.max(totalWeightedCost, 1e-9));
    const out: NotChosen[] = [];
    for (const c of pool) {
      if (taken.has(c.key) || costing.rejected.has(c.key)) continue;
      const b = bounds.get(c.key);
      const saved = b ? b.net + b.wc : 0;
      let reason: string;
      if (input.budgetBytes !== undefined && used + sizeOf(c) > input.budgetBytes && (!b || b.net > 0)) {
        reason = `outside the budget: it takes ${formatBytes(sizeOf(c))} where ${formatBytes(Math.max(0, input.budgetBytes - used))} was left`;
      } else if (input.maxPerTable !== undefined && config.filter((x) => tableOf(x) === tableOf(c)).length >= input.maxPerTable) {
        reason = `--max-per-table ${input.maxPerTable} reached on ${tableOf(c)}`;
      } else if (input.maxIndexes !== undefined && chosen.length >= input.maxIndexes && (!b || b.net > 0)) {
        reason = `--max-indexes ${input.maxIndexes} reached`;
      } else if (!b) {
        reason =
          `never costed in a round: with every candidate in place its statements save less than --min-improvement (${pct(scoring.minImprovement)}), ` +
          'or the chosen indexes already serve them';
      } else if (saved <= 0) {
        reason =
          `no statement's cost falls by --min-improvement (${pct(scoring.minImprovement)}) and ${scoring.minSavingPerCall} ` +
          'cost units a call with it, given the indexes chosen before it';
      } else if (b.net <= 0) {
        reason = `lost to write cost: it saves ${share(saved)} of the workload's cost and costs ${share(b.wc)} to keep up to date`;
      } else if (b.net / Math.max(totalWeightedCost, 1e-9) < input.minBenefitShare) {
        reason = `it saves ${share(b.net)} of the workload's cost, under --min-benefit-share (${pct(input.minBenefitShare)})`;
      } else {
        reason = 'a chosen index serves its statements as well';
      }
      out.push({ candidate: c, reason, net: b?.net ?? 0 });
    }
    return out.sort((x, y) => y.net - x.net);
  }
}

/** Where a candidate with this bound goes in a list sorted by bound, highest first. */
function insertionPoint(sorted: IndexCandidate[], bound: number, boundOf: (c: IndexCandidate) => number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (boundOf(sorted[mid]!) >= bound) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
