// The advice pipeline: harvest → parse → candidates → verify/select → result. The CLI and the demo
// call this; each stage is its own module and can be run on its own.
import { generateCandidates } from './candidates/generate.js';
import { createIndexSql, indexName } from './candidates/indexDefinition.js';
import { findTable, readCatalog } from './catalog/readCatalog.js';
import { connect, redactUrl } from './db/connect.js';
import { type HarvestOptions, harvestPgStatStatements } from './harvest/pgStatStatements.js';
import { readWorkloadFile } from './harvest/workloadFile.js';
import { ensureParser } from './parse/parser.js';
import { parseStatement } from './parse/parseStatement.js';
import { type SelectOptions, selectIndexes } from './select/greedy.js';
import { tableWrites, writeCostOf } from './select/writeCost.js';
import type { AdviceResult, Catalog, ParsedStatement, Recommendation, Workload, WorkloadStatement } from './types.js';
import { WhatIfEvaluator } from './verify/evaluator.js';

const DEFAULT_LIMIT = 10;

export interface Progress {
  stage(name: string): void;
  tick(detail: string): void;
  done(): void;
}

export const silentProgress: Progress = { stage() {}, tick() {}, done() {} };

export interface AdviseOptions extends HarvestOptions, Omit<SelectOptions, 'onRound' | 'writeCost'> {
  url: string;
  /** Advise from this file instead of pg_stat_statements (the database is still used for the catalog and costs). */
  workloadFile?: string;
  concurrency?: number;
  statementTimeoutMs?: number;
  createExtension?: boolean;
  maxColumns?: number;
  progress?: Progress;
}

export async function advise(opts: AdviseOptions): Promise<AdviceResult> {
  const progress = opts.progress ?? silentProgress;
  await ensureParser();

  progress.stage('reading catalog and workload');
  const client = await connect(opts.url, { statementTimeoutMs: opts.statementTimeoutMs ?? 30_000 });
  let catalog: Catalog;
  let workload: Workload;
  try {
    catalog = await readCatalog(client);
    workload = opts.workloadFile ? await readWorkloadFile(opts.workloadFile, opts) : await harvestPgStatStatements(client, opts.url, opts);
  } finally {
    await client.end().catch(() => {});
  }

  progress.stage(`parsing ${workload.statements.length} statements`);
  const lookup = (schema: string | undefined, table: string) => findTable(catalog, schema, table)?.columns.map((c) => c.name);
  // `LIMIT $n`: pg_stat_statements' rows per call is what the LIMIT lets through; without it, a
  // page of 10 rows (the generic plan's own guess, 10% of the rows, misprices ORDER BY ... LIMIT).
  const limitOf = (s: WorkloadStatement) => (s.source === 'pg_stat_statements' && s.calls > 0 ? s.rows / s.calls : DEFAULT_LIMIT);
  const parsed = workload.statements.map((s) => parseStatement(s, lookup, { limit: limitOf(s) }));
  const notAdvisable: AdviceResult['notAdvisable'] = [];
  const queryOf = new Map(workload.statements.map((s) => [s.id, s.query]));
  for (const p of parsed) if (p.error) notAdvisable.push({ statementId: p.id, query: queryOf.get(p.id) ?? '', reason: p.error });
  const advisable = parsed.filter((p) => !p.error);

  const { candidates, unknownTables } = generateCandidates(advisable, catalog, { maxColumns: opts.maxColumns ?? 3 });
  const warnings = [...workload.warnings];
  if (unknownTables.length) warnings.push(`Tables not found in the catalog (views, temporary tables, other schemas?): ${unknownTables.join(', ')}`);

  progress.stage(`verifying ${candidates.length} candidates with hypopg`);
  const tablesOf = new Map<string, Set<string>>();
  for (const p of advisable) {
    const set = new Set<string>();
    for (const t of p.tables) {
      const ct = findTable(catalog, t.schema, t.table);
      if (ct) set.add(`${ct.schema}.${ct.name}`);
    }
    tablesOf.set(p.id, set);
  }
  const evaluator = await WhatIfEvaluator.open(opts.url, tablesOf, {
    concurrency: opts.concurrency ?? 2,
    statementTimeoutMs: opts.statementTimeoutMs ?? 30_000,
    createExtension: opts.createExtension ?? false,
    onProgress: (calls) => progress.tick(`${calls} what-if calls`),
  });
  let selection;
  try {
    const writes = tableWrites(workload.statements, advisable, catalog);
    selection = await selectIndexes(workload.statements, advisable, candidates, evaluator, {
      ...opts,
      writeCost: (c) => writeCostOf(c, writes),
      onRound: (round, chosen) => progress.tick(`selection round ${round}, ${chosen} chosen`),
    });
  } finally {
    await evaluator.close();
  }
  for (const f of selection.failed) notAdvisable.push({ statementId: f.statementId, query: queryOf.get(f.statementId) ?? '', reason: `cannot be planned: ${f.reason}` });
  progress.done();

  const recommendations: Recommendation[] = selection.chosen.map((ch) => {
    const name = indexName(ch.candidate);
    return {
      candidate: ch.candidate,
      name,
      definition: createIndexSql(ch.candidate, { name }),
      estimatedBytes: ch.bytes,
      benefit: ch.benefit,
      writeCost: ch.writeCost,
      benefitShare: selection.totalWeightedCost > 0 ? ch.benefit / selection.totalWeightedCost : 0,
      verified: true,
      verification: `hypopg hypothetical index; planner cost of each statement's generic plan (PostgreSQL ${evaluator.serverVersion})`,
      statements: ch.statements,
    };
  });

  return {
    generatedAt: new Date().toISOString(),
    target: redactUrl(opts.url),
    serverVersion: evaluator.serverVersion,
    workloadOrigin: workload.origin,
    weight: opts.weight ?? 'calls',
    recommendations,
    notAdvisable,
    skipped: workload.skipped,
    statements: advisable.map((p) => summarize(p, workload, selection.baseline, selection.final)),
    workloadCostBefore: selection.totalWeightedCost,
    workloadCostAfter: selection.weightedCostAfter,
    statementsAnalyzed: advisable.length,
    candidatesConsidered: candidates.length,
    whatIfCalls: evaluator.whatIfCalls,
    warnings,
  };
}

function summarize(p: ParsedStatement, workload: Workload, before: Map<string, number>, after: Map<string, number>) {
  const w = workload.statements.find((s) => s.id === p.id)!;
  return {
    statementId: p.id,
    query: w.query,
    calls: w.calls,
    totalExecMs: w.totalExecMs,
    costBefore: before.get(p.id) ?? null,
    costAfter: after.get(p.id) ?? null,
  };
}
