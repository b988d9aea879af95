// Candidates hypopg cannot simulate (GIN, GiST). With --verify-real they are built for real on a
// scratch database inside a rolled-back transaction and judged like the others; without it they
// are reported as unverified, with the planner's own row estimate as the evidence, never mixed up
// with verified advice.
import type { IndexCandidate, ParsedStatement } from '../types.js';
import type { WhatIfEvaluator } from '../verify/evaluator.js';
import { RealIndexSession } from '../verify/realIndexSession.js';
import type { ChosenIndex, Selection, StatementGain } from './greedy.js';

/** Without verification, propose only where the planner expects to keep at most this share of a table it scans whole. */
export const UNVERIFIED_MAX_FRACTION = 0.05;

export const needsRealIndex = (c: IndexCandidate) => c.method === 'gin' || c.method === 'gist';

export interface RealOnlyChoice extends ChosenIndex {
  verified: boolean;
  verification: string;
}

export interface RealOnlyOptions {
  verifyRealUrl?: string;
  statementTimeoutMs: number;
  minBenefitShare: number;
  writeCost: (c: IndexCandidate) => number;
  tableRows: (schemaTable: string) => number;
}

export async function adviseRealOnly(
  candidates: IndexCandidate[],
  statements: ParsedStatement[],
  evaluator: WhatIfEvaluator,
  selection: Selection,
  opts: RealOnlyOptions,
): Promise<{ chosen: RealOnlyChoice[]; failed: Array<{ key: string; error: string }>; explainCalls: number }> {
  const byId = new Map(statements.map((s) => [s.id, s]));
  const served = (c: IndexCandidate) => c.statementIds.map((id) => byId.get(id)).filter((s): s is ParsedStatement => !!s && selection.final.has(s.id));
  return opts.verifyRealUrl ? verifyReal(candidates, served, selection, opts) : estimateUnverified(candidates, served, evaluator, selection, opts);
}

async function verifyReal(
  candidates: IndexCandidate[],
  served: (c: IndexCandidate) => ParsedStatement[],
  selection: Selection,
  opts: RealOnlyOptions,
) {
  const session = await RealIndexSession.open(opts.verifyRealUrl!, opts.statementTimeoutMs);
  const chosen: RealOnlyChoice[] = [];
  const failed: Array<{ key: string; error: string }> = [];
  try {
    // Per table, the best GIN first; a second one on the same statements must still add benefit.
    const results: Array<{ c: IndexCandidate; gains: StatementGain[]; total: number; bytes: number }> = [];
    for (const c of candidates) {
      const stmts = served(c);
      if (stmts.length === 0) continue;
      const r = await session.evaluate(c, stmts);
      if (!r.ok) {
        failed.push({ key: c.key, error: r.error });
        continue;
      }
      const gains: StatementGain[] = [];
      let total = 0;
      for (const s of stmts) {
        const b = r.before.get(s.id);
        const a = r.after.get(s.id);
        if (!b?.ok || !a?.ok || b.cost <= 0 || !a.indexesUsed.includes(c.key)) continue;
        // Costs come from the scratch copy; carry its relative saving over to the target's figures.
        const now = selection.final.get(s.id)!;
        const after = now * (a.cost / b.cost);
        const g = selection.gain(s.id, now, after);
        if (g > 0) {
          total += g;
          gains.push({ statementId: s.id, costBefore: now, costAfter: after, weight: 0 });
        }
      }
      results.push({ c, gains, total, bytes: r.bytes });
    }
    // Biggest saving first; where two save about the same (jsonb_ops vs jsonb_path_ops), the smaller.
    results.sort((a, b) => (Math.min(a.total, b.total) >= 0.95 * Math.max(a.total, b.total) ? a.bytes - b.bytes : b.total - a.total));
    for (const r of results) {
      const gains = r.gains.filter((g) => selection.final.get(g.statementId)! > g.costAfter);
      const total = gains.reduce((n, g) => n + selection.gain(g.statementId, selection.final.get(g.statementId)!, g.costAfter), 0);
      const wc = opts.writeCost(r.c);
      const net = total - wc;
      if (net <= 0 || (selection.totalWeightedCost > 0 && net / selection.totalWeightedCost < opts.minBenefitShare)) continue;
      for (const g of gains) selection.final.set(g.statementId, g.costAfter);
      chosen.push({
        candidate: r.c,
        bytes: r.bytes,
        benefit: net,
        writeCost: wc,
        statements: gains,
        verified: true,
        verification: `built for real in a rolled-back transaction on ${session.url}; planner cost of each statement's generic plan with and without it`,
      });
    }
  } finally {
    await session.close();
  }
  return { chosen, failed, explainCalls: session.explainCalls };
}

async function estimateUnverified(
  candidates: IndexCandidate[],
  served: (c: IndexCandidate) => ParsedStatement[],
  evaluator: WhatIfEvaluator,
  selection: Selection,
  opts: RealOnlyOptions,
) {
  const chosen: RealOnlyChoice[] = [];
  const claimed = new Set<string>();
  // Where two serve the same statements, the first is proposed: put the smaller opclass first.
  const smallerFirst = [...candidates].sort((a, b) => Number(!hasPathOps(a)) - Number(!hasPathOps(b)));
  for (const c of smallerFirst) {
    const stmts = served(c);
    const plans = await evaluator.costs(stmts, []); // cached: the baseline plans
    const evidence: string[] = [];
    const gains: StatementGain[] = [];
    for (const s of stmts) {
      const p = plans.get(s.id);
      if (!p?.ok) continue;
      const scan = p.scans.find((x) => x.relation === c.table && (!x.schema || x.schema === c.schema));
      const rows = opts.tableRows(`${c.schema}.${c.table}`);
      if (!scan || scan.node !== 'Seq Scan' || rows <= 0) continue;
      const fraction = scan.rows / rows;
      if (fraction > UNVERIFIED_MAX_FRACTION) continue;
      evidence.push(`the planner expects ${Math.round(scan.rows)} of ${Math.round(rows)} rows (${(fraction * 100).toFixed(2)} %) from a sequential scan`);
      gains.push({ statementId: s.id, costBefore: selection.final.get(s.id)!, costAfter: Number.NaN, weight: 0 });
    }
    // One unverified proposal per statement set: jsonb_ops and jsonb_path_ops would both qualify.
    const id = gains.map((g) => g.statementId).sort().join(',');
    if (gains.length === 0 || claimed.has(id)) continue;
    claimed.add(id);
    chosen.push({
      candidate: c,
      bytes: 0,
      benefit: 0,
      writeCost: opts.writeCost(c),
      statements: gains,
      verified: false,
      verification:
        `not verified: hypopg cannot simulate ${c.method.toUpperCase()} indexes; ${[...new Set(evidence)].join('; ')}. ` +
        `Run with --verify-real <scratch database URL> to build it in a rolled-back transaction and measure it.`,
    });
  }
  return { chosen, failed: [], explainCalls: 0 };
}

const hasPathOps = (c: IndexCandidate) => c.columns.some((col) => col.opclass === 'jsonb_path_ops');
