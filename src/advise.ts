// The advice pipeline: catalog and workload → parse → candidates → verify/select → result. The CLI,
// the nightly report and the demo call this; `advise()` is the story in six steps, each stage its
// own module that can be run and tested on its own (ARCHITECTURE.md).
import type pg from 'pg';
import { generateCandidates } from './candidates/generate.js';
import { createIndexSql, describeIndex, indexName } from './candidates/indexDefinition.js';
import { findTable, tablesRead } from './catalog/find.js';
import { readCatalog } from './catalog/readCatalog.js';
import { adviceCatalog } from './catalog/scope.js';
import { ConnectionError, ownReadsTimeoutMs, redactUrl } from './db/connect.js';
import { ConnectionLostError, serverMayComeBack } from './db/errors.js';
import { uniqueName } from './db/names.js';
import { isConnectionLoss, withSession } from './db/session.js';
import { formatCost, formatPercent, oneLine } from './format.js';
import { harvestLogs } from './harvest/constants/logSource.js';
import { type ConstantOptions, constantSources, recoverConstants } from './harvest/constants.js';
import { HarvestError, type HarvestOptions, harvestPgStatStatements } from './harvest/pgStatStatements.js';
import { readWorkloadFile } from './harvest/workloadFile.js';
import { assumedRangeBounds } from './parse/assumedRanges.js';
import { inferConstants } from './parse/infer.js';
import { ensureParser } from './parse/parser.js';
import { parseStatement } from './parse/parseStatement.js';
import { chooseMeasured, needsRealIndex, proposeUnverified, type RealOnlyChoice, statementsFor } from './select/realOnly.js';
import { findReplacements, type Replacements } from './select/replacements.js';
import { counts, makeScoring, workloadCost } from './select/scoring.js';
import { SELECT_DEFAULTS, type SelectOptions, selectIndexes } from './select/selectIndexes.js';
import { BULK_ROWS_PER_CALL, bulkWrites, tableWrites, writeCostOf } from './select/writeCost.js';
import type {
  AdviceResult,
  Catalog,
  ChosenIndex,
  CostOutcome,
  IndexCandidate,
  ParsedStatement,
  PartialRun,
  Recommendation,
  RepresentativeCost,
  ScanEstimate,
  Selection,
  Workload,
  WorkloadStatement,
} from './types.js';
import { readCostSettings } from './verify/costSettings.js';
import { WhatIfEvaluator } from './verify/evaluator.js';
import type { CostSettings } from './verify/indexCostModel.js';
import { modelIndexes } from './verify/modelIndexes.js';
import { measureRealIndexes, type RealMeasurements } from './verify/realIndexes.js';
import { representativeValues } from './verify/representativeValues.js';
import { refuseTargetAsScratch } from './verify/sameDatabase.js';

const DEFAULT_LIMIT = 10;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** What a progress tick is about, for callers that record rather than display (benchmarks). */
export interface TickInfo {
  /** The step within the stage: `screening pass 2`, `selection, round 7 (6 chosen)`. */
  phase: string;
  /** EXPLAIN calls made so far in this run. */
  whatIfCalls: number;
}

export interface Progress {
  stage(name: string): void;
  /** Detail within the stage; with done/total, a bar and an ETA for the step. */
  tick(detail: string, done?: number, total?: number, info?: TickInfo): void;
  done(): void;
}

export const silentProgress: Progress = { stage() {}, tick() {}, done() {} };

export interface AdviseOptions extends HarvestOptions, ConstantOptions, Omit<SelectOptions, 'onProgress' | 'writeCost'> {
  url: string;
  /** A scratch database where GIN (and GiST) candidates may be built in rolled-back transactions. */
  verifyRealUrl?: string;
  /** verifyRealUrl may be the target's own database (refused otherwise: a build blocks the table's writes). */
  verifyRealOnTarget?: boolean;
  /** Advise from this file instead of pg_stat_statements (the database is still used for the catalog and costs). */
  workloadFile?: string;
  /** The workload already harvested (the history's window of pg_stat_statements, src/nightlyHistory.ts). */
  workload?: Workload;
  concurrency?: number;
  statementTimeoutMs?: number;
  createExtension?: boolean;
  maxColumns?: number;
  progress?: Progress;
  /** The target's catalog, already read (read here when absent). The advice looks at its share of it (catalog/scope.ts). */
  catalog?: Catalog;
}

export async function advise(opts: AdviseOptions): Promise<AdviceResult> {
  return (await adviseWithStatements(opts)).result;
}

/**
 * The advice, and the statements it costed with the tables each reads: the nightly report costs
 * them again with the audit's drops hidden (audit/confirmByHiding.ts).
 */
export async function adviseWithStatements(
  opts: AdviseOptions,
): Promise<{ result: AdviceResult; statements: ParsedStatement[]; tablesOf: ReadonlyMap<string, ReadonlySet<string>> }> {
  const progress = opts.progress ?? silentProgress;
  const statementTimeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
  await ensureParser();
  if (opts.verifyRealUrl && !opts.verifyRealOnTarget) await refuseTargetAsScratch(opts.url, opts.verifyRealUrl, statementTimeoutMs);

  // 1. The catalog and the workload, in one short read-only session.
  progress.stage('reading catalog and workload');
  // Connections lost and made again (the work was done again): the report says so.
  const reconnections: string[] = [];
  let inputs: Awaited<ReturnType<typeof readInputs>>;
  try {
    inputs = await readInputs(opts, statementTimeoutMs, (why) => reconnections.push(why));
  } catch (err) {
    if (err instanceof ConnectionLostError) return { result: nothingRead(opts, err, reconnections), statements: [], tablesOf: new Map() };
    throw err;
  }
  const { catalog, workload, costSettings } = inputs;

  // 2. Parse every statement; what cannot be parsed is reported, the rest goes on.
  progress.stage(`parsing ${workload.statements.length} statements`);
  const { advisable, notAdvisable } = parseWorkload(workload, catalog);

  // 3. Candidates: every index type the statements could use, less what existing indexes serve.
  const { candidates, unknownTables, notes } = generateCandidates(advisable, catalog, { maxColumns: opts.maxColumns ?? 3 });
  const warnings = [...workload.warnings, ...notes, ...missingTables(catalog, unknownTables)];
  const writes = tableWrites(workload.statements, advisable, catalog);
  const writeCost = (c: IndexCandidate) => writeCostOf(c, writes);
  for (const b of bulkWrites(writes)) {
    warnings.push(
      `${b.statements} bulk write statement(s) on ${b.table} (${BULK_ROWS_PER_CALL.toLocaleString('en-US')} rows or more a call, ` +
        `${b.rows.toLocaleString('en-US')} rows in all) are not charged to the advice: each new b-tree on ${b.table} would add about ` +
        `${formatCost(b.btreeCost)} cost units to them. Schedule such loads apart, or leave them out with --min-calls.`,
    );
  }

  // 4. The set, verified with hypothetical indexes (hypopg) and the planner's costs.
  progress.stage(`verifying ${candidates.length} candidates with hypopg`);
  const hypothetical = candidates.filter((c) => !needsRealIndex(c));
  const verified = await selectWithHypopg(opts, {
    workload,
    advisable,
    catalog,
    candidates: hypothetical,
    writeCost,
    statementTimeoutMs,
    progress,
  });
  // A connection lost for good (db/errors.ts) ends the run with what it has: a selection cut short keeps the costs it had.
  const selection = verified.selection ?? noSelection(workload, advisable, opts, verified.known ?? new Map());
  if (verified.footprintNote) warnings.push(verified.footprintNote);

  // 5. GIN and GiST, which hypopg cannot simulate: modelled (or built on --verify-real's scratch copy), decided with the hypothetical set in place.
  const realOnly = candidates.filter(needsRealIndex);
  if (realOnly.length > 0) progress.stage(`${opts.verifyRealUrl ? 'building' : 'modelling'} ${realOnly.length} GIN/GiST candidates`);
  const { special, real, lost } = await decideRealOnlyUnlessLost(opts, verified, {
    advisable,
    catalog,
    costSettings,
    realOnly,
    selection,
    writeCost,
    statementTimeoutMs,
  });
  progress.done();
  warnings.push(...reconnections, ...verified.reconnections, ...(real?.reconnections ?? []));
  if (verified.hidingError) warnings.push(`no existing index is proposed for replacement: ${verified.hidingError}`);

  // 6. The result: recommendations named and written out, every statement before and after, every "no" with its reason.
  const disagreeing = [...verified.representative.values()].filter((r) => !r.agrees).length;
  if (disagreeing > 0) {
    warnings.push(
      `${disagreeing} statement(s) gain differently from the advice when costed with representative values (from pg_stats) ` +
        'than with their generic plan: see "with representative values" in the Statements section.',
    );
  }
  const queryOf = new Map(workload.statements.map((s) => [s.id, s.query]));
  const failedCosting = [...new Set(selection.costFailures.map((f) => f.statementId))];
  if (failedCosting.length) {
    const shown = selection.costFailures
      .slice(0, 3)
      .map((f) => `\`${oneLine(queryOf.get(f.statementId) ?? f.statementId, 80)}\` (${f.error})`);
    warnings.push(
      `${failedCosting.length} statement(s) could not be costed with some candidate indexes in place, so what those indexes ` +
        `might save them was not counted: ${shown.join('; ')}${selection.costFailures.length > 3 ? '; …' : ''}`,
    );
  }
  for (const r of selection.regressions) {
    const rise = r.costAfter / Math.max(r.costBefore, 1e-9) - 1;
    warnings.push(
      `the planner expects \`${oneLine(queryOf.get(r.statementId) ?? r.statementId, 100)}\` to cost ${formatCost(r.costAfter)} with the advice ` +
        `instead of ${formatCost(r.costBefore)} (${formatPercent(rise)} more)` +
        (r.indexesUsed.length
          ? `, through ${r.indexesUsed.map((k) => describeIndex(candidates.find((c) => c.key === k)!)).join(', ')}`
          : '') +
        '; the set is kept because it saves more elsewhere (see the per-index figures).',
    );
  }
  for (const f of selection.failed)
    notAdvisable.push({ statementId: f.statementId, query: queryOf.get(f.statementId) ?? '', reason: `cannot be planned: ${f.reason}` });
  const rejected = [...verified.rejected, ...(real?.failed ?? []).map((f) => [f.key, f.error] as const)].map(([key, reason]) => {
    const c = candidates.find((x) => x.key === key)!;
    return { definition: createIndexSql(c), reason };
  });
  const final = special.final;
  const recommendations = toRecommendations([...selection.chosen, ...special.chosen], catalog, selection, verified.serverVersion).map((r) =>
    withReplacement(r, verified.replacements),
  );
  const result: AdviceResult = {
    generatedAt: new Date().toISOString(),
    target: redactUrl(opts.url),
    serverVersion: verified.serverVersion,
    workloadOrigin: workload.origin,
    weight: opts.weight ?? 'calls',
    recommendations,
    notAdvisable,
    skipped: workload.skipped,
    statements: advisable.map((p) =>
      summarize(p, workload, selection.baseline, final, verified.representative, selection.baselineScans.get(p.id)),
    ),
    workloadCostBefore: selection.totalWeightedCost,
    workloadCostAfter: workloadCost(selection.scoring, final),
    rejectedCandidates: rejected,
    struckOut: selection.struck.map((s) => ({ definition: createIndexSql(s.candidate), reason: s.reason })),
    notChosen: selection.notChosen.map((n) => ({ definition: createIndexSql(n.candidate), reason: n.reason })),
    ...(opts.budgetBytes !== undefined ? { budgetBytes: opts.budgetBytes } : {}),
    // Analysed: planned at least once (a statement the server could not plan is listed with its reason).
    statementsAnalyzed: advisable.filter((p) => selection.baseline.has(p.id)).length,
    candidatesConsidered: candidates.length,
    whatIfCalls: verified.whatIfCalls + (real?.explainCalls ?? 0),
    warnings,
    ...(lost
      ? { partial: partialRun(lost, missingParts(verified, advisable, opts, realOnly.length), verified.selection !== undefined) }
      : {}),
    ...(verified.hiding ? { hiding: hidingSupport(verified.hiding) } : {}),
  };
  return { result, statements: advisable, tablesOf: tablesRead(advisable, catalog) };
}

/**
 * Whether replacements and the audit's confirmation could run. Where hypopg cannot hide, the report
 * says so once (a note, not a warning on stderr at every run: the advice is what it was before).
 */
function hidingSupport(h: { available: boolean; hypopgVersion: string }): NonNullable<AdviceResult['hiding']> {
  if (h.available) return h;
  return {
    ...h,
    note:
      `hypopg ${h.hypopgVersion} cannot hide an existing index from the planner (hypopg_hide_index came in 1.4): ` +
      "no existing index is proposed for replacement, and the audit's unused, duplicate and redundant findings are not confirmed " +
      'by hiding. Install hypopg 1.4 or later and run ALTER EXTENSION hypopg UPDATE for both.',
  };
}

/** The existing index a recommendation replaces (proven by hiding it), or why one it could replace stays. */
function withReplacement(r: Recommendation, found: Replacements | undefined): Recommendation {
  const replaces = found?.replaces.get(r.candidate.key);
  const kept = found?.kept.get(r.candidate.key) ?? [];
  if (!replaces && !kept.length) return r;
  return {
    ...r,
    ...(replaces ? { replaces } : {}),
    ...(kept.length ? { notes: [...(r.notes ?? []), ...kept] } : {}),
  };
}

/** Tables the statements name that the catalog does not have: locked by another session, or not there at all. */
function missingTables(catalog: Catalog, unknownTables: string[]): string[] {
  const out: string[] = [];
  const locked = catalog.lockedTables ?? [];
  if (locked.length) {
    out.push(
      `${locked.join(', ')}: locked ACCESS EXCLUSIVE by another session while the catalog was read (a migration, ` +
        'a VACUUM FULL?), so left out: statements that read them are listed with their reason, and no index is proposed on them.',
    );
  }
  const unknown = unknownTables.filter((t) => !locked.some((l) => l === t || l.endsWith(`.${t}`)));
  if (unknown.length) out.push(`Tables not found in the catalog (views, temporary tables, other schemas?): ${unknown.join(', ')}`);
  return out;
}

/** What a run that lost its connection for good lacks, in the report's words. */
function missingParts(verified: HypopgOutcome, advisable: ParsedStatement[], opts: AdviseOptions, realOnly: number): string[] {
  if (!verified.selection) {
    const uncosted = advisable.filter((p) => !verified.known?.has(p.id)).length;
    return [
      'the recommendations: the selection of hypothetical indexes did not finish',
      ...(uncosted ? [`the costs of ${uncosted} statement(s) not planned before the connection was lost`] : []),
      'GIN and GiST candidates',
    ];
  }
  return [
    ...(verified.lost ? ['the second costing with representative values'] : []),
    ...(opts.verifyRealUrl && realOnly ? ['GIN and GiST candidates (not measured on the --verify-real database)'] : []),
  ];
}

/** The report's account of a run that ended early. */
export function partialRun(lost: ConnectionLostError, missing: string[], recommendationsComplete: boolean): PartialRun {
  return { during: lost.during, error: lost.message, missing, recommendationsComplete };
}

/** A connection lost for good before the catalog and the workload were read: a report that says so, and nothing else. */
export function nothingRead(opts: AdviseOptions, lost: ConnectionLostError, reconnections: string[] = []): AdviceResult {
  return {
    generatedAt: new Date().toISOString(),
    target: redactUrl(opts.url),
    serverVersion: opts.catalog?.serverVersion ?? 0,
    workloadOrigin: opts.workloadFile ?? 'pg_stat_statements (not read)',
    weight: opts.weight ?? 'calls',
    recommendations: [],
    notAdvisable: [],
    skipped: [],
    statements: [],
    workloadCostBefore: 0,
    workloadCostAfter: 0,
    rejectedCandidates: [],
    struckOut: [],
    notChosen: [],
    statementsAnalyzed: 0,
    candidatesConsidered: 0,
    whatIfCalls: 0,
    warnings: reconnections,
    partial: partialRun(lost, ['the whole analysis: the catalog and the workload were not read'], false),
  };
}

/** The selection of a run that lost its connection before it finished: nothing chosen; the costs it had, and the failures. */
function noSelection(workload: Workload, statements: ParsedStatement[], opts: AdviseOptions, known: Map<string, CostOutcome>): Selection {
  const baseline = new Map<string, number>();
  const baselineScans = new Map<string, ScanEstimate[]>();
  const failed: Selection['failed'] = [];
  for (const [id, r] of known) {
    if (r.ok) {
      baseline.set(id, r.cost);
      baselineScans.set(id, r.scans);
    } else failed.push({ statementId: id, reason: r.error });
  }
  const minImprovement = opts.minImprovement ?? SELECT_DEFAULTS.minImprovement;
  const scoring = makeScoring(workload.statements, statements, baseline, {
    ...(opts.weight ? { weight: opts.weight } : {}),
    minImprovement,
  });
  return {
    chosen: [],
    baseline,
    final: new Map(baseline),
    baselineScans,
    scoring,
    totalWeightedCost: workloadCost(scoring, baseline),
    failed,
    struck: [],
    notChosen: [],
    regressions: [],
    costFailures: [],
  };
}

async function readInputs(
  opts: AdviseOptions,
  statementTimeoutMs: number,
  onReconnect: (why: string) => void,
): Promise<{ catalog: Catalog; workload: Workload; costSettings: CostSettings }> {
  // The advisor's own reads: not bound by --statement-timeout, which is for planning the workload.
  const connectOpts = { statementTimeoutMs: ownReadsTimeoutMs(statementTimeoutMs) };
  return withSession(
    opts.url,
    connectOpts,
    'reading the catalog and the workload',
    async (client) => {
      const catalog = adviceCatalog(opts.catalog ?? (await readCatalog(client)));
      const harvested =
        opts.workload ?? (opts.workloadFile ? await readWorkloadFile(opts.workloadFile, opts) : await harvestServer(client, opts));
      // The constants normalization removed, from every source the target has (src/harvest/constants.ts).
      const workload = await recoverConstants(client, harvested, constantSources(opts));
      return { catalog, workload, costSettings: await readCostSettings(client) };
    },
    onReconnect,
  );
}

/** pg_stat_statements; without it, the server logs given with --log are the workload. */
async function harvestServer(client: pg.Client, opts: AdviseOptions): Promise<Workload> {
  try {
    return await harvestPgStatStatements(client, opts.url, opts);
  } catch (err) {
    if (!(err instanceof HarvestError) || !opts.logFiles?.length) throw err;
    const workload = await harvestLogs(client, opts.logFiles, opts);
    workload.warnings.unshift(
      `${err.message.split(':')[0]}: the workload comes from the logs (calls and times as logged; executions under ` +
        'log_min_duration_statement are missing).',
    );
    return workload;
  }
}

function parseWorkload(workload: Workload, catalog: Catalog): { advisable: ParsedStatement[]; notAdvisable: AdviceResult['notAdvisable'] } {
  const lookup = (schema: string | undefined, table: string) => findTable(catalog, schema, table)?.columns.map((c) => c.name);
  // `LIMIT $n`: pg_stat_statements' rows per call is what the LIMIT lets through; without it, a
  // page of 10 rows (the generic plan's own guess, 10% of the rows, misprices ORDER BY ... LIMIT).
  const limitOf = (s: WorkloadStatement) => (s.source === 'pg_stat_statements' && s.calls > 0 ? s.rows / s.calls : DEFAULT_LIMIT);
  const tsConfig = catalog.textSearchConfig ? { textSearchConfig: catalog.textSearchConfig } : {};
  const parsed = workload.statements.map((s) => {
    const p = parseStatement(s, lookup, { limit: limitOf(s), ...tsConfig });
    // No source saw its constants: perhaps the rows per call name the value (reported as inferred).
    const inferred = inferConstants(p, s, catalog);
    // Two bounds of a range that no source saw: costed as keeping a tenth of the rows, not 0.5 %.
    const assumed = p.error ? [] : assumedRangeBounds(p, catalog);
    // One more parse at most, with both (an inferred value is an equality's, never a range bound).
    return inferred.length || assumed.length ? parseStatement(s, lookup, { limit: limitOf(s), ...tsConfig, inferred, assumed }) : p;
  });
  const queryOf = new Map(workload.statements.map((s) => [s.id, s.query]));
  const notAdvisable = parsed.filter((p) => p.error).map((p) => ({ statementId: p.id, query: queryOf.get(p.id) ?? '', reason: p.error! }));
  return { advisable: parsed.filter((p) => !p.error), notAdvisable };
}

/** What the what-if connections gave: the selection (absent when the connection was lost for good before it finished). */
interface HypopgOutcome {
  selection?: Selection;
  representative: Map<string, RepresentativeCost>;
  rejected: Array<[string, string]>;
  serverVersion: number;
  whatIfCalls: number;
  /** Connections lost and made again, in words for the report. */
  reconnections: string[];
  /** Lost, and lost again after one reconnection: the run ends with what it has. */
  lost?: ConnectionLostError;
  /** When lost before the selection finished: the costs without new indexes that were had by then. */
  known?: Map<string, CostOutcome>;
  /** Set when the EXPLAINs show in pg_stat_statements one by one (verify/quietExplain.ts). */
  footprintNote?: string | undefined;
  /** Whether the target's hypopg hides existing indexes (1.4+); absent when no session opened. */
  hiding?: { available: boolean; hypopgVersion: string };
  /** Existing indexes the chosen ones replace, proven by hiding them (select/replacements.ts). */
  replacements?: Replacements;
  /** Why no replacement could be proven although hypopg can hide (an error of hiding's own). */
  hidingError?: string;
}

/** Selection over what-if connections (hypopg), then the second costing with representative values. */
async function selectWithHypopg(
  opts: AdviseOptions,
  input: {
    workload: Workload;
    advisable: ParsedStatement[];
    catalog: Catalog;
    candidates: IndexCandidate[];
    writeCost: (c: IndexCandidate) => number;
    statementTimeoutMs: number;
    progress: Progress;
  },
): Promise<HypopgOutcome> {
  const tablesOf = tablesRead(input.advisable, input.catalog);
  let evaluator: WhatIfEvaluator;
  try {
    evaluator = await WhatIfEvaluator.open(opts.url, tablesOf, {
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      statementTimeoutMs: input.statementTimeoutMs,
      createExtension: opts.createExtension ?? false,
    });
  } catch (err) {
    // The server went away after the catalog was read, and did not come back in time.
    if (!(isConnectionLoss(err) || (err instanceof ConnectionError && serverMayComeBack(err)))) throw err;
    const lost = new ConnectionLostError('opening the what-if sessions', err);
    return { representative: new Map(), rejected: [], serverVersion: input.catalog.serverVersion, whatIfCalls: 0, reconnections: [], lost };
  }
  // What the evaluator did, whether the selection finished or the connection was lost for good.
  const done = () => ({
    footprintNote: evaluator.footprintNote,
    hiding: { available: evaluator.canHide, hypopgVersion: evaluator.hypopgVersion },
    rejected: [...evaluator.rejected],
    serverVersion: evaluator.serverVersion,
    whatIfCalls: evaluator.whatIfCalls,
    reconnections: evaluator.reconnections.map(
      (why) => `a what-if connection was lost (${why}); the advisor reconnected and costed its statements again`,
    ),
  });
  try {
    let selection: Selection;
    try {
      selection = await selectIndexes(
        {
          workload: input.workload.statements,
          statements: input.advisable,
          candidates: input.candidates,
          tablesOf,
          tableRows: new Map(input.catalog.tables.map((t) => [`${t.schema}.${t.name}`, t.rows])),
        },
        evaluator,
        {
          ...opts,
          writeCost: input.writeCost,
          onProgress: (phase, done, total) =>
            input.progress.tick(`${phase} · ${evaluator.whatIfCalls} what-if calls`, done, total, {
              phase,
              whatIfCalls: evaluator.whatIfCalls,
            }),
        },
      );
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
      return { ...done(), representative: new Map<string, RepresentativeCost>(), lost: err, known: evaluator.known(input.advisable) };
    }
    input.progress.stage('costing with representative values');
    let representative: Map<string, RepresentativeCost>;
    try {
      representative = await costRepresentative(input.advisable, input.catalog, evaluator, selection);
    } catch (err) {
      if (!(err instanceof ConnectionLostError)) throw err;
      return { ...done(), selection, representative: new Map<string, RepresentativeCost>(), lost: err };
    }
    if (!evaluator.canHide || selection.chosen.length === 0) return { ...done(), selection, representative };
    input.progress.stage('hiding existing indexes the new ones could replace');
    const queryOf = new Map(input.workload.statements.map((s) => [s.id, s.query]));
    try {
      const replacements = await findReplacements(
        {
          statements: input.advisable.filter((p) => selection.baseline.has(p.id)),
          chosen: selection.chosen,
          tables: input.catalog.tables,
          tablesOf,
          queryOf: (id) => queryOf.get(id) ?? id,
        },
        evaluator,
      );
      return { ...done(), selection, representative, replacements };
    } catch (err) {
      if (err instanceof ConnectionLostError) return { ...done(), selection, representative, lost: err };
      // Hiding failed on a server that still answers: the advice stands, without replacements.
      return { ...done(), selection, representative, hidingError: (err as Error).message };
    }
  } finally {
    await evaluator.close();
  }
}

/**
 * decideRealOnly, unless the connection is lost: without a selection there is nothing to decide
 * against, and with a lost server no scratch build is tried (the cost model, which asks the server
 * nothing, still runs).
 */
async function decideRealOnlyUnlessLost(
  opts: AdviseOptions,
  verified: HypopgOutcome,
  input: Parameters<typeof decideRealOnly>[1],
): Promise<{ special: RealOnlyChoice; real?: RealMeasurements; lost?: ConnectionLostError }> {
  const none = { special: { chosen: [], final: input.selection.final } };
  if (!verified.selection || (verified.lost && opts.verifyRealUrl)) return { ...none, ...(verified.lost ? { lost: verified.lost } : {}) };
  try {
    return { ...(await decideRealOnly(opts, input)), ...(verified.lost ? { lost: verified.lost } : {}) };
  } catch (err) {
    if (!(err instanceof ConnectionLostError)) throw err;
    return { ...none, lost: err };
  }
}

/** GIN and GiST: priced by the cost model, or built for real on --verify-real's scratch database; what neither prices, proposed unverified. */
async function decideRealOnly(
  opts: AdviseOptions,
  input: {
    advisable: ParsedStatement[];
    catalog: Catalog;
    costSettings: CostSettings;
    realOnly: IndexCandidate[];
    selection: Selection;
    writeCost: (c: IndexCandidate) => number;
    statementTimeoutMs: number;
  },
): Promise<{ special: RealOnlyChoice; real?: RealMeasurements }> {
  const servedBy = statementsFor(input.advisable, input.selection);
  const minBenefitShare = opts.minBenefitShare ?? SELECT_DEFAULTS.minBenefitShare;
  const caps = {
    ...(opts.budgetBytes !== undefined ? { budgetBytes: opts.budgetBytes } : {}),
    ...(opts.maxIndexes !== undefined ? { maxIndexes: opts.maxIndexes } : {}),
    ...(opts.maxPerTable !== undefined ? { maxPerTable: opts.maxPerTable } : {}),
  };
  if (!opts.verifyRealUrl) {
    // The cost model on each statement's plan without the index (the selection's baseline).
    const { selection } = input;
    const plans = new Map<string, CostOutcome>();
    for (const [id, cost] of selection.baseline)
      plans.set(id, { ok: true, cost, indexesUsed: [], scans: selection.baselineScans.get(id) ?? [] });
    const modelled = modelIndexes(input.realOnly, servedBy, plans, input.catalog, input.costSettings, input.catalog.serverVersion);
    const choice = chooseMeasured(modelled, selection, {
      minBenefitShare,
      writeCost: input.writeCost,
      verification: (m) => ({ kind: 'model', evidence: m.evidence ?? [] }),
      caps,
    });
    // What the model could not cost (no sequential scan of the table carries the clause) is proposed, unverified.
    const modelledKeys = new Set(modelled.map((m) => m.candidate.key));
    const tableRows = (c: IndexCandidate) => findTable(input.catalog, c.schema, c.table)?.rows ?? 0;
    const rest = proposeUnverified(
      input.realOnly.filter((c) => !modelledKeys.has(c.key)),
      servedBy,
      selection,
      { writeCost: input.writeCost, tableRows },
    );
    return { special: { chosen: [...choice.chosen, ...rest.chosen], final: choice.final } };
  }
  const real = await measureRealIndexes(opts.verifyRealUrl, input.realOnly, servedBy, input.statementTimeoutMs);
  const where = real.where;
  return {
    special: chooseMeasured(real.measured, input.selection, {
      minBenefitShare,
      writeCost: input.writeCost,
      verification: () => ({ kind: 'real', where }),
      caps,
    }),
    real,
  };
}

/** Names (unique among the schema's relations), definitions and shares of the chosen indexes. */
function toRecommendations(chosen: ChosenIndex[], catalog: Catalog, selection: Selection, serverVersion: number): Recommendation[] {
  const takenNames = new Map<string, Set<string>>();
  for (const [schema, names] of Object.entries(catalog.otherRelations ?? {})) takenNames.set(schema, new Set(names));
  for (const t of catalog.tables) {
    const set = takenNames.get(t.schema) ?? new Set();
    set.add(t.name);
    for (const ix of t.indexes) set.add(ix.name);
    takenNames.set(t.schema, set);
  }
  return chosen.map((ch) => {
    // Index names share the namespace of the schema's tables and indexes.
    const taken = takenNames.get(ch.candidate.schema) ?? new Set();
    takenNames.set(ch.candidate.schema, taken);
    const name = uniqueName(indexName(ch.candidate), taken);
    // Each partition's index is a relation of the partition's schema too: a name taken there would
    // make `IF NOT EXISTS` skip the build and `ATTACH` pick up whatever has that name.
    const partitionIndexes = ch.candidate.partitions?.map((p) => {
      const inSchema = takenNames.get(p.schema) ?? new Set<string>();
      takenNames.set(p.schema, inSchema);
      return { schema: p.schema, table: p.name, name: uniqueName(indexName({ ...ch.candidate, table: p.name }), inSchema) };
    });
    return {
      candidate: ch.candidate,
      name,
      definition: createIndexSql(ch.candidate, { name }),
      estimatedBytes: ch.bytes,
      benefit: ch.benefit,
      writeCost: ch.writeCost,
      benefitShare: selection.totalWeightedCost > 0 ? ch.benefit / selection.totalWeightedCost : 0,
      verified: ch.verification.kind === 'hypopg' || ch.verification.kind === 'real',
      verifiedBy: ch.verification.kind === 'unverified' ? 'none' : ch.verification.kind,
      verification: describeVerification(ch, serverVersion),
      statements: ch.statements,
      ...(ch.notes?.length ? { notes: ch.notes } : {}),
      ...(partitionIndexes ? { partitionIndexes } : {}),
    };
  });
}

function summarize(
  p: ParsedStatement,
  workload: Workload,
  before: Map<string, number>,
  after: Map<string, number>,
  representative: Map<string, RepresentativeCost>,
  scans: ScanEstimate[] | undefined,
) {
  const w = workload.statements.find((s) => s.id === p.id)!;
  const indexesUsed = [...new Set((scans ?? []).flatMap((x) => [...(x.index ? [x.index] : []), ...(x.bitmapIndexes ?? [])]))].sort();
  return {
    statementId: p.id,
    query: w.query,
    calls: w.calls,
    totalExecMs: w.totalExecMs,
    costBefore: before.get(p.id) ?? null,
    costAfter: after.get(p.id) ?? null,
    ...(representative.get(p.id) ? { representative: representative.get(p.id) } : {}),
    ...(p.recovered ? { recovered: p.recovered } : {}),
    ...(p.notes ? { notes: p.notes } : {}),
    ...(scans ? { indexesUsed } : {}),
  };
}

/**
 * The second costing: each statement with parameters, with representative values from pg_stats,
 * without and with the chosen hypothetical indexes (custom plans). It agrees with the generic plan
 * when both say the same about whether the advice helps the statement.
 */
async function costRepresentative(
  statements: ParsedStatement[],
  catalog: Catalog,
  evaluator: WhatIfEvaluator,
  selection: Selection,
): Promise<Map<string, RepresentativeCost>> {
  const values = new Map<string, string[]>();
  const shown = new Map<string, Record<string, string>>();
  for (const p of statements) {
    if (!selection.baseline.has(p.id)) continue;
    const r = representativeValues(p, catalog);
    if (!r.ok) continue;
    values.set(p.id, r.values);
    shown.set(p.id, r.shown);
  }
  const stmts = statements.filter((p) => values.has(p.id));
  const before = await evaluator.costs(stmts, [], { values });
  const after = await evaluator.costs(
    stmts,
    selection.chosen.map((c) => c.candidate),
    { values },
  );
  const out = new Map<string, RepresentativeCost>();
  for (const p of stmts) {
    const b = before.get(p.id);
    const a = after.get(p.id);
    if (!b?.ok || !a?.ok || b.cost <= 0) continue;
    const gb = selection.baseline.get(p.id)!;
    const ga = selection.final.get(p.id)!;
    const genericHelps = counts(selection.scoring, p.id, gb, gb - ga);
    const representativeHelps = counts(selection.scoring, p.id, b.cost, b.cost - a.cost);
    out.set(p.id, { values: shown.get(p.id)!, costBefore: b.cost, costAfter: a.cost, agrees: genericHelps === representativeHelps });
  }
  return out;
}

/** The report's words for how an index's figures were obtained. */
function describeVerification(ch: ChosenIndex, serverVersion: number): string {
  const v = ch.verification;
  if (v.kind === 'hypopg') return `hypopg hypothetical index; planner cost of each statement's generic plan (PostgreSQL ${serverVersion})`;
  if (v.kind === 'real')
    return `built for real in a rolled-back transaction on ${v.where}; planner cost of each statement's generic plan with and without it`;
  if (v.kind === 'model')
    return (
      `estimated (cost model): hypopg cannot simulate ${ch.candidate.method.toUpperCase()} indexes, so the planner's formulas for it ` +
      `were applied to each statement's generic plan (PostgreSQL ${serverVersion}); ${v.evidence.join('; ')}. ` +
      'Run with --verify-real <scratch database URL> to build it in a rolled-back transaction and measure it.'
    );
  return (
    `not verified: hypopg cannot simulate ${ch.candidate.method.toUpperCase()} indexes; ${v.evidence.join('; ')}. ` +
    `Run with --verify-real <scratch database URL> to build it in a rolled-back transaction and measure it.`
  );
}
