// Candidates hypopg cannot simulate (GIN, GiST) are decided after the hypothetical set, on the
// statements' costs with that set in place. Built for real (--verify-real), or estimated with the
// planner's formulas (verify/indexCostModel.ts, the default), they are judged like the others from
// their costs, within what the hypothetical set left of --budget, --max-indexes and --max-per-table.
// proposeUnverified remains for what neither could cost: proposals with the planner's own row
// estimate as the evidence, never mixed up with verified advice.
import type { ChosenIndex, IndexCandidate, ParsedStatement, RealMeasurement, Selection, StatementGain, Verification } from '../types.js';
import { gain, weightOf } from './scoring.js';

/** Without verification, propose only where the planner expects to keep at most this share of a table it scans whole. */
export const UNVERIFIED_MAX_FRACTION = 0.05;

export const needsRealIndex = (c: IndexCandidate) => c.method === 'gin' || c.method === 'gist';

export interface RealOnlyChoice {
  chosen: ChosenIndex[];
  /** Each statement's cost with the hypothetical set and these indexes. */
  final: Map<string, number>;
}

/** The statements that led to the candidate and could be planned. */
export function statementsFor(statements: ParsedStatement[], selection: Selection): (c: IndexCandidate) => ParsedStatement[] {
  const byId = new Map(statements.map((s) => [s.id, s]));
  return (c) => c.statementIds.map((id) => byId.get(id)).filter((s): s is ParsedStatement => !!s && selection.final.has(s.id));
}

/** The selection's caps; what the hypothetical set used of them is taken off. */
export interface Caps {
  budgetBytes?: number;
  maxIndexes?: number;
  maxPerTable?: number;
}

/**
 * From indexes built for real (or modelled): per table, the best first; a second one on the same
 * statements must still add benefit, and each must fit in what the chosen set left of the budget
 * and the caps. Costs come from the scratch copy (or the model on the target's plans): the relative
 * saving is carried over to the target's figures with the hypothetical set in place.
 */
export function chooseMeasured(
  measured: RealMeasurement[],
  selection: Selection,
  opts: {
    minBenefitShare: number;
    writeCost: (c: IndexCandidate) => number;
    verification: (m: RealMeasurement) => Verification;
    caps?: Caps;
  },
): RealOnlyChoice {
  const final = new Map(selection.final);
  const { scoring } = selection;
  const caps = opts.caps ?? {};
  const tableOf = (c: IndexCandidate) => `${c.schema}.${c.table}`;
  let bytesLeft = (caps.budgetBytes ?? Number.POSITIVE_INFINITY) - selection.chosen.reduce((n, c) => n + c.bytes, 0);
  let indexesLeft = (caps.maxIndexes ?? Number.POSITIVE_INFINITY) - selection.chosen.length;
  const perTable = new Map<string, number>();
  for (const c of selection.chosen) perTable.set(tableOf(c.candidate), (perTable.get(tableOf(c.candidate)) ?? 0) + 1);
  const results = measured.map((m) => {
    const gains: StatementGain[] = [];
    let total = 0;
    for (const [id, b] of m.before) {
      const a = m.after.get(id);
      if (!b.ok || !a?.ok || b.cost <= 0 || !a.indexesUsed.includes(m.candidate.key)) continue;
      const now = final.get(id)!;
      const after = now * (a.cost / b.cost);
      const g = gain(scoring, id, now, after);
      if (g > 0) {
        total += g;
        gains.push({ statementId: id, costBefore: now, costAfter: after, weight: weightOf(scoring, id) });
      }
    }
    return { m, c: m.candidate, gains, total, bytes: m.bytes };
  });
  // Biggest saving first (by the byte under a budget); where two save about the same (jsonb_ops vs jsonb_path_ops), the smaller.
  const score = (r: (typeof results)[number]) => (caps.budgetBytes !== undefined ? r.total / Math.max(1, r.bytes) : r.total);
  results.sort((a, b) => (Math.min(a.total, b.total) >= 0.95 * Math.max(a.total, b.total) ? a.bytes - b.bytes : score(b) - score(a)));
  const chosen: ChosenIndex[] = [];
  for (const r of results) {
    if (r.bytes > bytesLeft || indexesLeft <= 0) continue;
    if (caps.maxPerTable !== undefined && (perTable.get(tableOf(r.c)) ?? 0) >= caps.maxPerTable) continue;
    const gains = r.gains.filter((g) => final.get(g.statementId)! > g.costAfter);
    const total = gains.reduce((n, g) => n + gain(scoring, g.statementId, final.get(g.statementId)!, g.costAfter), 0);
    const wc = opts.writeCost(r.c);
    const net = total - wc;
    if (net <= 0 || (selection.totalWeightedCost > 0 && net / selection.totalWeightedCost < opts.minBenefitShare)) continue;
    for (const g of gains) final.set(g.statementId, g.costAfter);
    bytesLeft -= r.bytes;
    indexesLeft--;
    perTable.set(tableOf(r.c), (perTable.get(tableOf(r.c)) ?? 0) + 1);
    chosen.push({ candidate: r.c, bytes: r.bytes, benefit: net, writeCost: wc, statements: gains, verification: opts.verification(r.m) });
  }
  return { chosen, final };
}

/**
 * Without a scratch database: proposed (unverified) where the statement's plan scans the table
 * whole and the planner expects to keep at most UNVERIFIED_MAX_FRACTION of its rows.
 */
export function proposeUnverified(
  candidates: IndexCandidate[],
  servedBy: (c: IndexCandidate) => ParsedStatement[],
  selection: Selection,
  opts: { writeCost: (c: IndexCandidate) => number; tableRows: (c: IndexCandidate) => number },
): RealOnlyChoice {
  const chosen: ChosenIndex[] = [];
  const claimed = new Set<string>();
  // Where two serve the same statements, the first is proposed: put the smaller opclass first.
  const smallerFirst = [...candidates].sort((a, b) => Number(!hasPathOps(a)) - Number(!hasPathOps(b)));
  for (const c of smallerFirst) {
    const evidence: string[] = [];
    const gains: StatementGain[] = [];
    for (const s of servedBy(c)) {
      const scans = selection.baselineScans.get(s.id);
      if (!scans) continue;
      const scan = scans.find((x) => x.relation === c.table && (!x.schema || x.schema === c.schema));
      const rows = opts.tableRows(c);
      if (scan?.node !== 'Seq Scan' || rows <= 0) continue;
      const fraction = scan.rows / rows;
      if (fraction > UNVERIFIED_MAX_FRACTION) continue;
      evidence.push(
        `the planner expects ${Math.round(scan.rows)} of ${Math.round(rows)} rows (${(fraction * 100).toFixed(2)} %) from a sequential scan`,
      );
      gains.push({
        statementId: s.id,
        costBefore: selection.final.get(s.id)!,
        costAfter: Number.NaN,
        weight: weightOf(selection.scoring, s.id),
      });
    }
    // One unverified proposal per statement set: jsonb_ops and jsonb_path_ops would both qualify.
    const id = gains
      .map((g) => g.statementId)
      .sort()
      .join(',');
    if (gains.length === 0 || claimed.has(id)) continue;
    claimed.add(id);
    chosen.push({
      candidate: c,
      bytes: 0,
      benefit: 0,
      writeCost: opts.writeCost(c),
      statements: gains,
      verification: { kind: 'unverified', evidence: [...new Set(evidence)] },
    });
  }
  return { chosen, final: new Map(selection.final) };
}

const hasPathOps = (c: IndexCandidate) => c.columns.some((col) => col.opclass === 'jsonb_path_ops');
