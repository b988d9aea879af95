// Chooses a set of indexes for the whole workload: greedy with re-costing (AutoAdmin / DB2Advis
// family), in five steps that each return plain data. The README's "Choosing the set" explains
// each step; the only thing this stage asks of a database is the `Costing` it is given.
import type {
  ChosenIndex,
  CostFailure,
  CostOutcome,
  IndexCandidate,
  ParsedStatement,
  ScanEstimate,
  Selection,
  WorkloadStatement,
} from '../types.js';
import type { Costing } from './costing.js';
import { creditChosen } from './credit.js';
import { pruneRedundant } from './prune.js';
import { type GreedyRun, runGreedy } from './rounds.js';
import { makeScoring, workloadCost, writeCostUnits } from './scoring.js';
import { narrowerPrefixes, screenCandidates } from './screening.js';
import { selectiveStatements } from './selective.js';
import { strikeOut } from './strikeOut.js';
import { makeTargets } from './targets.js';

/** Defaults of the selection's thresholds (the CLI shows them in --help). */
export const SELECT_DEFAULTS = { minImprovement: 0.3, minBenefitShare: 0.001 } as const;

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

export interface SelectInput {
  workload: WorkloadStatement[];
  statements: ParsedStatement[];
  candidates: IndexCandidate[];
  /** The tables (`schema.table`) each statement reads, resolved against the catalog. */
  tablesOf: ReadonlyMap<string, ReadonlySet<string>>;
  /** Row estimate of each table (`schema.table`, partitions too): is a new index's scan selective? */
  tableRows?: ReadonlyMap<string, number>;
}

export async function selectIndexes(input: SelectInput, plainCosting: Costing, opts: SelectOptions = {}): Promise<Selection> {
  const { candidates, tablesOf } = input;
  const minImprovement = opts.minImprovement ?? SELECT_DEFAULTS.minImprovement;
  const minBenefitShare = opts.minBenefitShare ?? SELECT_DEFAULTS.minBenefitShare;

  // 1. Baseline: no hypothetical index. Statements the server cannot plan are set aside here.
  const { baseline, baselineScans, failed } = await costBaseline(input.statements, plainCosting);
  // After the baseline, a costing that fails (a timeout, a lock, an error with some index in place)
  // is not a saving of zero: every failure is kept, and the report names them.
  const { costing, failures } = recordingFailures(plainCosting);
  const stmts = input.statements.filter((s) => baseline.has(s.id));
  // Every candidate's size, and the definitions that cannot be simulated, found once here: a
  // refused definition in a later batch would make it fall back to one index at a time.
  await costing.estimateSizes(candidates);

  // 2. Screening: with every candidate of its tables available, which does the planner pick?
  const screening = await screenCandidates(stmts, candidates, tablesOf, costing, opts.onProgress);
  const scoring = makeScoring(input.workload, input.statements, baseline, {
    ...(opts.weight ? { weight: opts.weight } : {}),
    minImprovement,
    selective: selectiveStatements(screening.candidateScans, tablesOf, input.tableRows ?? new Map()),
  });
  const totalWeightedCost = workloadCost(scoring, baseline);
  const units = writeCostUnits(scoring, totalWeightedCost);
  const writeCost = (c: IndexCandidate) => (opts.writeCost ? opts.writeCost(c) * units : 0);
  const pool = candidates.filter((c) => screening.used.has(c.key));
  const targets = makeTargets(stmts, candidates, tablesOf, screening);

  // 3. Greedy rounds. Under a budget, benefit per byte packs small indexes well but can leave no
  // room for one big index that saves more (the knapsack trap): the greedy also runs by benefit
  // alone, and the set with the lower workload cost wins.
  const rounds = {
    costing,
    scoring,
    stmts,
    baseline,
    totalWeightedCost,
    pool,
    narrower: narrowerPrefixes(candidates, screening.used),
    screening,
    targets,
    writeCost,
    minBenefitShare,
    ...(opts.budgetBytes !== undefined ? { budgetBytes: opts.budgetBytes } : {}),
    ...(opts.maxIndexes !== undefined ? { maxIndexes: opts.maxIndexes } : {}),
    ...(opts.maxPerTable !== undefined ? { maxPerTable: opts.maxPerTable } : {}),
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
  };
  let run: GreedyRun = await runGreedy(rounds, opts.budgetBytes !== undefined);
  if (opts.budgetBytes !== undefined) {
    const byBenefit = await runGreedy(rounds, false);
    if (workloadCost(scoring, byBenefit.current) < workloadCost(scoring, run.current)) run = byBenefit;
  }

  // 4. Drop what later choices made redundant.
  const pruned = await pruneRedundant(run, { costing, scoring, targets, totalWeightedCost, minBenefitShare }, opts.onProgress);

  // 5. Credit each chosen index with the statements its final plans use it for.
  opts.onProgress?.('crediting each index', 0, 1);
  const credit = (set: ChosenIndex[]) => creditChosen(set, { costing, scoring, targets, baseline });
  const credited = await credit(pruned.chosen);

  // 6. Strike out what a DBA would: near-duplicates, and indexes credited with next to nothing.
  const { chosen, final, regressions, struck } = await strikeOut(credited, {
    costing,
    scoring,
    targets,
    totalWeightedCost,
    minBenefitShare,
    credit,
    statementText: (id) => input.workload.find((w) => w.id === id)?.query,
  });
  opts.onProgress?.('crediting each index', 1, 1);

  return {
    chosen,
    baseline,
    final,
    baselineScans,
    scoring,
    totalWeightedCost,
    failed,
    struck,
    regressions,
    costFailures: [...failures.values()],
    notChosen: [
      ...pruned.notChosen,
      ...candidates
        .filter((c) => !screening.used.has(c.key) && !costing.rejected.has(c.key))
        .map((candidate) => ({
          candidate,
          reason: 'the planner used it in no plan, even with every candidate of its tables in place',
          net: 0,
        })),
    ],
  };
}

async function costBaseline(statements: ParsedStatement[], costing: Costing) {
  const failed: Selection['failed'] = [];
  const baseline = new Map<string, number>();
  const baselineScans = new Map<string, ScanEstimate[]>();
  const base: Map<string, CostOutcome> = await costing.costs(statements, []);
  for (const s of statements) {
    const r = base.get(s.id);
    if (r?.ok) {
      baseline.set(s.id, r.cost);
      baselineScans.set(s.id, r.scans);
    } else failed.push({ statementId: s.id, reason: r && !r.ok ? r.error : 'not costed' });
  }
  return { baseline, baselineScans, failed };
}

/** The costing, and the failed costings it saw (one per statement and error), with the indexes in place. */
function recordingFailures(costing: Costing): { costing: Costing; failures: Map<string, CostFailure> } {
  const failures = new Map<string, CostFailure>();
  const recording: Costing = {
    get connections() {
      return costing.connections;
    },
    get sizes() {
      return costing.sizes;
    },
    get rejected() {
      return costing.rejected;
    },
    estimateSizes: (candidates) => costing.estimateSizes(candidates),
    async costs(statements, config, opts) {
      const out = await costing.costs(statements, config, opts);
      for (const [id, r] of out) {
        const key = `${id}\u0000${r.ok ? '' : r.error}`;
        if (!r.ok && !failures.has(key)) failures.set(key, { statementId: id, indexes: config.map((c) => c.key), error: r.error });
      }
      return out;
    },
  };
  return { costing: recording, failures };
}
