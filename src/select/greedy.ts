// Chooses a set of indexes for the whole workload. Greedy with re-costing (AutoAdmin / DB2Advis
// family), evaluated lazily: each round adds the candidate with the best net benefit given what is
// already chosen, so an index that a chosen one makes useless is not picked; a last pass drops any
// chosen index the later ones made redundant. The README's "Choosing the set" explains each step.
import type { IndexCandidate, ParsedStatement, TableAccess, WorkloadStatement } from '../types.js';
import { columnSql } from '../candidates/indexDefinition.js';
import { type WhatIfEvaluator, tableOf } from '../verify/evaluator.js';
import { usableCandidates } from '../verify/usable.js';

/** Defaults of the selection's thresholds (the CLI shows them in --help). */
export const SELECT_DEFAULTS = { minImprovement: 0.3, minBenefitShare: 0.001 } as const;

const SCREENING_PASSES = 3;
/** Planner cost units a call must save to count (about two random page reads). */
const MIN_SAVING_PER_CALL = 10;
/**
 * Screening's best cost of a statement (every candidate at once) is a lower bound only nearly: the
 * planner keeps paths within 1 % of each other as equals and prunes them differently with more
 * indexes, and fewer indexes did plan TPC-H's joins a few per cent cheaper. Bounds allow this much.
 */
const BEST_SLACK = 0.05;
/** A smaller candidate within this share of the best one's benefit is preferred: a wider index must earn its width. */
const NEAR_BEST = 0.95;

export interface SelectOptions {
  /** What a statement's share of the workload is measured by. */
  weight?: 'calls' | 'total_time';
  budgetBytes?: number;
  maxIndexes?: number;
  maxPerTable?: number;
  /**
   * A statement counts as helped only when its cost falls by at least this fraction. Planner noise
   * is ~1%, but a small estimated gain (a bitmap scan over a quarter of the table) is also where the
   * cost model is least trustworthy (an index on a 4-value column was estimated to save 20% by
   * trading a sequential scan for a bitmap scan that reads every page anyway). 30% keeps those out.
   */
  minImprovement?: number;
  /** An index must save at least this share of the workload's cost. */
  minBenefitShare?: number;
  /** Estimated cost of maintaining the index under the workload's writes, in calls × planner cost units. */
  writeCost?: (c: IndexCandidate) => number;
  /** Progress within the current phase (screening pass, selection round): done of total steps. */
  onProgress?: (phase: string, done: number, total: number) => void;
}

export interface StatementGain {
  statementId: string;
  costBefore: number;
  costAfter: number;
  weight: number;
}

export interface ChosenIndex {
  candidate: IndexCandidate;
  bytes: number;
  /** Net benefit (gain − write cost) given the indexes chosen before it, in benefit units. */
  benefit: number;
  writeCost: number;
  statements: StatementGain[];
}

export interface Selection {
  chosen: ChosenIndex[];
  baseline: Map<string, number>;
  final: Map<string, number>;
  /** The workload's weighted cost with no new index: the denominator of shares. */
  totalWeightedCost: number;
  weightedCostAfter: number;
  failed: Array<{ statementId: string; reason: string }>;
  /** Candidates the planner used in no plan even with every candidate available. */
  unused: IndexCandidate[];
  gain: (stmtId: string, before: number, after: number) => number;
  /** A statement's weighted cost at the given planner cost (same units as totalWeightedCost). */
  weightedCost: (stmtId: string, cost: number) => number;
  /** A statement's weight: its calls, or its total time (when weighting by time and times are known). */
  weightOf: (stmtId: string) => number;
}

export async function selectIndexes(
  workload: WorkloadStatement[],
  parsed: ParsedStatement[],
  candidates: IndexCandidate[],
  evaluator: WhatIfEvaluator,
  opts: SelectOptions = {},
): Promise<Selection> {
  const minImprovement = opts.minImprovement ?? SELECT_DEFAULTS.minImprovement;
  const minShare = opts.minBenefitShare ?? SELECT_DEFAULTS.minBenefitShare;
  const info = new Map(workload.map((w) => [w.id, w]));

  // 1. Baseline: no hypothetical index. Statements the server cannot plan are set aside here.
  const failed: Selection['failed'] = [];
  const baseline = new Map<string, number>();
  const base = await evaluator.costs(parsed, []);
  for (const s of parsed) {
    const r = base.get(s.id);
    if (r?.ok) baseline.set(s.id, r.cost);
    else failed.push({ statementId: s.id, reason: r && !r.ok ? r.error : 'not costed' });
  }
  const stmts = parsed.filter((s) => baseline.has(s.id));
  // Every candidate's size, and the definitions hypopg refuses (a function that is not IMMUTABLE),
  // found once here: a refused definition in a later batch would make it fall back to one index at a time.
  await evaluator.estimateSizes(candidates);

  const useTime = opts.weight === 'total_time' && workload.some((w) => w.totalExecMs > 0);
  const gain = (id: string, before: number, after: number): number => {
    const w = info.get(id);
    const b0 = baseline.get(id) ?? 0;
    if (!w || b0 <= 0 || after >= before) return 0;
    // Small relative changes are planner noise, not an index's doing; a few cost units a call (an
    // index-only scan for a one-row lookup) are not worth an index either.
    if ((before - after) / before < minImprovement || before - after < MIN_SAVING_PER_CALL) return 0;
    return weightedCost(id, before - after);
  };
  function weightedCost(id: string, cost: number): number {
    const w = info.get(id);
    const b0 = baseline.get(id) ?? 0;
    if (!w || b0 <= 0) return 0;
    return useTime ? (w.totalExecMs * cost) / b0 : w.calls * cost;
  }
  const weightOf = (id: string) => (useTime ? info.get(id)?.totalExecMs : info.get(id)?.calls) ?? 0;
  const totalWeightedCost = stmts.reduce((n, s) => n + weightedCost(s.id, baseline.get(s.id)!), 0);
  // Write costs are in calls × cost units; weighted by time, convert at the workload's own rate.
  const unitsPerCost = useTime
    ? totalWeightedCost / Math.max(1e-9, stmts.reduce((n, s) => n + (info.get(s.id)?.calls ?? 0) * baseline.get(s.id)!, 0))
    : 1;
  const writeCost = (c: IndexCandidate) => (opts.writeCost ? opts.writeCost(c) * unitsPerCost : 0);

  // 2. Screening: with every candidate of its tables available, which does the planner pick?
  const byStatement = new Map<string, IndexCandidate[]>();
  const usable = usableCandidates(candidates.filter((c) => !evaluator.rejected.has(c.key)));
  for (const s of stmts) {
    const tables = evaluator.tables(s.id);
    byStatement.set(s.id, usable(s).filter((c) => tables.has(tableOf(c))));
  }
  const used = new Set<string>();
  /** Per statement, the candidates the planner used in a screening plan of it. */
  const usedBy = new Map<string, Set<string>>();
  /** Each statement's cost with every candidate of its tables: no set of them does better. */
  const bestPossible = new Map<string, number>();
  // The planner names only its favourite per statement; screening again without the favourites
  // finds the runners-up (a partial or smaller index nearly as good), which step 3 may prefer.
  for (let pass = 0; pass < SCREENING_PASSES; pass++) {
    const before = used.size;
    const remaining = new Map([...byStatement].map(([id, cs]) => [id, cs.filter((c) => !used.has(c.key))]));
    const costs = await screen(stmts, remaining, evaluator, used, usedBy, (done, total) => opts.onProgress?.(`screening pass ${pass + 1}`, done, total));
    if (pass === 0) for (const [id, cost] of costs) bestPossible.set(id, cost);
    if (used.size === before) break;
  }
  // The planner's favourites have narrower prefixes it did not need to name: `(email)` may serve
  // as well as the `(email, country)` it preferred by a hair. They are not ranked (that would cost
  // an evaluation each), only tried when their wider twin is a round's best (step 3).
  const narrower = new Map<string, IndexCandidate[]>();
  // Compared within (table, method, predicate, leading key) only: all pairs would be quadratic in the candidates.
  const family = (c: IndexCandidate) => `${tableOf(c)}\u0000${c.method}\u0000${c.where ?? ''}\u0000${c.columns[0] ? columnSql(c.columns[0]) : ''}`;
  const families = new Map<string, IndexCandidate[]>();
  for (const c of candidates) {
    const list = families.get(family(c)) ?? [];
    list.push(c);
    families.set(family(c), list);
  }
  for (const c of candidates.filter((x) => used.has(x.key))) {
    const list = families.get(family(c))!.filter(
      (p) =>
        !used.has(p.key) &&
        p.include.length === 0 &&
        // fewer key columns, or the same without the INCLUDE
        (p.columns.length < c.columns.length || (p.columns.length === c.columns.length && c.include.length > 0)) &&
        p.columns.every((col, i) => columnSql(col) === columnSql(c.columns[i]!)),
    );
    if (list.length) narrower.set(c.key, list);
  }
  const pool = candidates.filter((c) => used.has(c.key));
  const unused = candidates.filter((c) => !used.has(c.key));

  // 3. Greedy rounds.
  const sizeOf = (c: IndexCandidate) => evaluator.sizes.get(c.key) ?? 0;
  const onTable = new Map<string, ParsedStatement[]>();
  const stmtsOnTable = (t: string) => {
    let list = onTable.get(t);
    if (!list) onTable.set(t, (list = stmts.filter((s) => evaluator.reads(s.id, t))));
    return list;
  };
  // An index can only serve a statement that mentions its leading column (a condition, a join, an
  // ordering), or, when it covers (INCLUDE), one of the columns it carries: a narrow copy of the
  // table for an index-only scan. The others need not be re-costed for it.
  const forCandidate = new Map<string, ParsedStatement[]>();
  const stmtsFor = (c: IndexCandidate): ParsedStatement[] => {
    let list = forCandidate.get(c.key);
    if (!list) {
      // The leading column, and for a covering index its INCLUDE columns too.
      const columns = [c.columns[0]?.column, ...c.include];
      const plain = columns.filter((x): x is string => x !== undefined);
      list = stmtsOnTable(tableOf(c)).filter(
        (s) =>
          plain.length < columns.length ||
          s.tables.some((t) => t.table === c.table && (!t.schema || t.schema === c.schema) && plain.some((col) => mentions(t, col))),
      );
      forCandidate.set(c.key, list);
    }
    return list;
  };

  // A round costs a candidate only on the statements whose screening plans used an index with the
  // same leading key (screening ran three passes, so the runners-up count): the planner has shown
  // it would not lead any other statement's plan with that key. This keeps the calls per statement
  // bounded as the workload grows; the figures in the report (step 5) and the pruning count
  // every statement that mentions the key.
  const byKey = new Map(candidates.map((c) => [c.key, c]));
  const leadOf = (c: IndexCandidate) => `${tableOf(c)}\u0000${c.columns[0] ? columnSql(c.columns[0]) : ''}`;
  const leadsUsed = new Map<string, Set<string>>();
  for (const [id, keys] of usedBy) {
    const leads = new Set<string>();
    for (const k of keys) {
      const c = byKey.get(k);
      if (c) leads.add(leadOf(c));
    }
    leadsUsed.set(id, leads);
  }
  const toCost = new Map<string, ParsedStatement[]>();
  const stmtsToCost = (c: IndexCandidate): ParsedStatement[] => {
    let list = toCost.get(c.key);
    if (!list) {
      const lead = leadOf(c);
      list = stmtsFor(c).filter((st) => leadsUsed.get(st.id)?.has(lead));
      toCost.set(c.key, list);
    }
    return list;
  };

  /**
   * What is left to save on a statement: down to screening's best (no set of the candidates does
   * much better), and nothing when that is too little to count (under --min-improvement of its
   * current cost, or the minimum saving a call).
   */
  const wayLeft = (st: ParsedStatement, current: Map<string, number>): number => {
    const cur = current.get(st.id)!;
    const best = bestPossible.get(st.id);
    if (best === undefined) return cur;
    const way = cur - best * (1 - BEST_SLACK);
    return way <= 0 || way / cur < minImprovement || way < MIN_SAVING_PER_CALL ? 0 : way;
  };

  const evaluate = async (c: IndexCandidate, config: IndexCandidate[], current: Map<string, number>) => {
    // A statement with nothing left to save cannot count a gain: it is not costed.
    const affected = stmtsToCost(c).filter((st) => wayLeft(st, current) > 0);
    const costs = await evaluator.costs(affected, [...config, c]);
    const gains: StatementGain[] = [];
    let total = 0;
    for (const s of affected) {
      const r = costs.get(s.id);
      if (!r?.ok) continue;
      const before = current.get(s.id)!;
      const g = gain(s.id, before, r.cost);
      if (g > 0) {
        total += g;
        gains.push({ statementId: s.id, costBefore: before, costAfter: r.cost, weight: weightOf(s.id) });
      }
    }
    return { total, gains };
  };

  // Lazy greedy (CELF): a candidate's benefit only shrinks as others are chosen, so its last
  // evaluation bounds it. Each round re-evaluates candidates from the top of that bound until the
  // top one is fresh, instead of re-costing every candidate every round.
  // Under a budget, benefit per byte packs small indexes well but can leave no room for one big
  // index that saves more (the knapsack trap): the greedy also runs by benefit alone, and the set
  // with the lower workload cost wins.
  const runGreedy = async (byRatio: boolean) => {
    const current = new Map(baseline);
    const chosen: ChosenIndex[] = [];
    let bytesUsed = 0;
    type Scored = { c: IndexCandidate; net: number; score: number; gains: StatementGain[]; wc: number; round: number };
    const bounds = new Map<string, Scored>();
    const dropped = new Set<string>();
    const scoreOf = (c: IndexCandidate, net: number) => (byRatio ? net / Math.max(sizeOf(c), 8192) : net);
    /**
     * What a candidate can still save: what is left on each statement it is costed on. It
     * shrinks as chosen indexes serve the statements, so a candidate whose statements are served
     * leaves the race without an evaluation; before its first evaluation it is what a candidate
     * is ranked by.
     */
    let roomOf = new Map<string, number>();
    const headroom = (c: IndexCandidate): number => {
      let room = roomOf.get(c.key);
      if (room === undefined) {
        room = 0;
        for (const st of stmtsToCost(c)) {
          const way = wayLeft(st, current);
          if (way > 0) room += weightedCost(st.id, way);
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
    const tooSmall = (net: number) => net <= 0 || (totalWeightedCost > 0 && net / totalWeightedCost < minShare);
    const batch = Math.max(2, 2 * evaluator.connections);
    /** Whether the candidate can still join the set (budget, caps), whatever its benefit. */
    const fits = (c: IndexCandidate, config: IndexCandidate[]) => {
      if (config.some((x) => x.key === c.key) || evaluator.rejected.has(c.key)) return false;
      if (opts.budgetBytes !== undefined && bytesUsed + sizeOf(c) > opts.budgetBytes) return false;
      if (opts.maxPerTable !== undefined && config.filter((x) => tableOf(x) === tableOf(c)).length >= opts.maxPerTable) return false;
      return true;
    };

    for (let round = 1; ; round++) {
      if (opts.maxIndexes !== undefined && chosen.length >= opts.maxIndexes) break;
      currentRound = round;
      roomOf = new Map();
      const config = chosen.map((x) => x.candidate);
      const isOpen = (c: IndexCandidate) => !dropped.has(c.key) && fits(c, config);
      const open = pool.filter(isOpen);
      // Under a budget the greedy runs twice: say which run the rounds belong to.
      const run = opts.budgetBytes === undefined ? '' : byRatio ? ' by benefit per byte' : ' by benefit';
      const phase = `selection${run}, round ${round} (${chosen.length} chosen)`;
      let evaluated = 0;
      const refresh = (list: IndexCandidate[]) =>
        Promise.all(
          list.map(async (c) => {
            const { total, gains } = await evaluate(c, config, current);
            const wc = writeCost(c);
            const net = total - wc;
            bounds.set(c.key, { c, net, score: scoreOf(c, net), gains, wc, round });
            // Too small now, too small later: benefits only shrink as the set grows.
            if (tooSmall(net)) dropped.add(c.key);
            opts.onProgress?.(phase, ++evaluated, open.length);
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
          (c) => !dropped.has(c.key) && c !== top.c && tableOf(c) === tableOf(top.c) && sizeOf(c) < sizeOf(top.c) && netBound(c) >= NEAR_BEST * top.net,
        ),
        ...(narrower.get(top.c.key) ?? []).filter((c) => isOpen(c) && sizeOf(c) < sizeOf(top.c)),
      ];
      await refresh(maybeSmaller.filter((c) => !isFresh(c)));
      const smaller = maybeSmaller
        .map((c) => bounds.get(c.key)!)
        .filter((x) => !dropped.has(x.c.key) && near(x))
        .sort((a, b) => sizeOf(a.c) - sizeOf(b.c))[0];
      if (smaller) best = smaller;
      chosen.push({ candidate: best.c, bytes: sizeOf(best.c), benefit: best.net, writeCost: best.wc, statements: best.gains });
      bytesUsed += sizeOf(best.c);
      for (const g of best.gains) current.set(g.statementId, g.costAfter);
      await reviveComplements(best);
    }

    /**
     * Benefits only shrink as the set grows, except where indexes complete each other: an index on
     * parts (brand) is useless until one on shipments (part_id) turns the hash join into a nested
     * loop. A dropped candidate that the planner used in a screening plan of a statement the new
     * index changed (so it is part of that statement's best plan) is costed again on that
     * statement alone; if it helps now, it is back in the race, bounded by that gain plus what it
     * saved elsewhere. Only those: re-costing every candidate of the changed statements would cost
     * each round as much as the first.
     */
    async function reviveComplements(added: Scored): Promise<void> {
      const config = chosen.map((x) => x.candidate);
      const changedIds = new Set(added.gains.map((g) => g.statementId));
      const changed = stmts.filter((st) => changedIds.has(st.id));
      const revivable = pool.filter((c) => c !== added.c && dropped.has(c.key) && bounds.has(c.key) && fits(c, config));
      await Promise.all(
        revivable.map(async (c) => {
          const on = changed.filter((st) => usedBy.get(st.id)?.has(c.key) && stmtsToCost(c).includes(st));
          if (on.length === 0) return;
          const costs = await evaluator.costs(on, [...config, c]);
          let extra = 0;
          for (const st of on) {
            const r = costs.get(st.id);
            if (r?.ok) extra += gain(st.id, current.get(st.id)!, r.cost);
          }
          if (extra <= 0) return;
          const b = bounds.get(c.key)!;
          const net = Math.max(0, b.net) + extra;
          bounds.set(c.key, { ...b, net, score: scoreOf(c, net), round: 0 });
          dropped.delete(c.key);
        }),
      );
    }
    return { chosen, current };
  };
  let run = await runGreedy(opts.budgetBytes !== undefined);
  if (opts.budgetBytes !== undefined) {
    const byBenefit = await runGreedy(false);
    const total = (m: Map<string, number>) => [...m].reduce((n, [id, c]) => n + weightedCost(id, c), 0);
    if (total(byBenefit.current) < total(run.current)) run = byBenefit;
  }
  const { chosen, current } = run;

  // 4. Drop what later choices made redundant: without it, the workload must lose more than the threshold.
  for (let i = chosen.length - 1; i >= 0 && chosen.length > 1; i--) {
    opts.onProgress?.('removing redundant indexes', chosen.length - 1 - i, chosen.length);
    const victim = chosen[i]!;
    const others = chosen.filter((_, j) => j !== i).map((x) => x.candidate);
    // The statements the rounds chose it for (step 5 then credits it with all it serves).
    const affected = stmtsToCost(victim.candidate);
    const without = await evaluator.costs(affected, others);
    let loss = 0;
    for (const s of affected) {
      const r = without.get(s.id);
      if (r?.ok) loss += gain(s.id, r.cost, current.get(s.id)!);
    }
    if (loss - victim.writeCost <= 0 || (totalWeightedCost > 0 && (loss - victim.writeCost) / totalWeightedCost < minShare)) {
      chosen.splice(i, 1);
      for (const s of affected) {
        const r = without.get(s.id);
        if (r?.ok) current.set(s.id, r.cost);
      }
    }
  }

  // 5. Credit: every statement a chosen index may serve is costed once with the whole set, and
  // its saving goes to the chosen index its plan uses. A plan that uses several is costed again
  // with the first of them, then the first two…, each credited with what it adds (in the order
  // they were chosen). One call per statement instead of one per (index, statement).
  opts.onProgress?.('crediting each index', 0, 1);
  const final = new Map(baseline);
  for (const ch of chosen) {
    ch.statements = [];
    ch.benefit = -ch.writeCost;
  }
  const config = chosen.map((x) => x.candidate);
  const served = [...new Set(chosen.flatMap((x) => stmtsFor(x.candidate)))];
  const withAll = await evaluator.costs(served, config);
  const credit = (ch: ChosenIndex, st: ParsedStatement, before: number, after: number): boolean => {
    const g = gain(st.id, before, after);
    if (g <= 0) return false;
    ch.benefit += g;
    ch.statements.push({ statementId: st.id, costBefore: before, costAfter: after, weight: weightOf(st.id) });
    final.set(st.id, after);
    return true;
  };
  await Promise.all(
    served.map(async (st) => {
      const r = withAll.get(st.id);
      if (!r?.ok) return;
      const using = chosen.filter((x) => r.indexesUsed.includes(x.candidate.key));
      let before = baseline.get(st.id)!;
      for (let k = 0; k < using.length; k++) {
        const after = k === using.length - 1 ? r.cost : (await evaluator.costs([st], using.slice(0, k + 1).map((x) => x.candidate))).get(st.id);
        const cost = typeof after === 'number' ? after : after?.ok ? after.cost : undefined;
        if (cost !== undefined && credit(using[k]!, st, before, cost)) before = cost;
      }
    }),
  );
  opts.onProgress?.('crediting each index', 1, 1);

  const weightedCostAfter = stmts.reduce((n, s) => n + weightedCost(s.id, final.get(s.id)!), 0);
  return { chosen, baseline, final, totalWeightedCost, weightedCostAfter, failed, unused, gain, weightedCost, weightOf };
}

/**
 * Dexter's trick: create every candidate of a statement's tables at once and let the planner say
 * which it would use. Statements with the same candidate set share one batch.
 */
async function screen(
  stmts: ParsedStatement[],
  byStatement: Map<string, IndexCandidate[]>,
  evaluator: WhatIfEvaluator,
  used: Set<string>,
  usedBy: Map<string, Set<string>>,
  onProgress: (done: number, total: number) => void,
): Promise<Map<string, number>> {
  const costsOut = new Map<string, number>();
  // Statements on the same tables share one set-up: the candidates any of them can use (an index a
  // statement cannot use does not change its plan, and fewer indexes plan faster).
  const groups = new Map<string, { config: Map<string, IndexCandidate>; stmts: ParsedStatement[] }>();
  for (const s of stmts) {
    const config = byStatement.get(s.id)!;
    if (config.length === 0) continue;
    const key = [...new Set(config.map(tableOf))].sort().join(',');
    const g = groups.get(key) ?? { config: new Map<string, IndexCandidate>(), stmts: [] as ParsedStatement[] };
    for (const c of config) g.config.set(c.key, c);
    g.stmts.push(s);
    groups.set(key, g);
  }
  let done = 0;
  onProgress(0, groups.size);
  // Neighbouring groups that share tables share most hypothetical indexes: a session moving from
  // one to the next creates and drops only the difference.
  const ordered = [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
  await Promise.all(
    ordered.map(async (g) => {
      const costs = await evaluator.costs(g.stmts, [...g.config.values()], undefined, { remember: false });
      for (const [id, r] of costs) {
        if (!r.ok) continue;
        for (const k of r.indexesUsed) used.add(k);
        const mine = usedBy.get(id) ?? new Set<string>();
        for (const k of r.indexesUsed) mine.add(k);
        usedBy.set(id, mine);
        costsOut.set(id, r.cost);
      }
      onProgress(++done, groups.size);
    }),
  );
  return costsOut;
}

function mentions(t: TableAccess, column: string): boolean {
  return (
    t.columnsRead.includes(column) ||
    t.joinColumns.includes(column) ||
    t.predicates.some((p) => p.key.column === column || p.key.expressionColumns?.includes(column)) ||
    t.orderBy.some((o) => o.key.column === column) ||
    t.groupBy.some((g) => g.column === column)
  );
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
