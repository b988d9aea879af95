// TPC-H quality benchmark: the advisor against the published index-selection algorithms, on the
// literature's measure (../shared/tpch/whatif.py: Σ planner cost of the 19 queries with the index
// set created as hypopg indexes, relative to no index).
//
// A throwaway cluster is started, TPC-H sf0.1 loaded with ../shared/tpch/load.sh, the 19 queries
// written to a workload file (calls: 1 each), and advise() run at each budget; the chosen
// CREATE INDEX statements go to a DDL file that whatif.py scores. Only the benchmark reads
// ../shared; the advisor sees the database and the workload file, nothing else.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type AdviseOptions, advise } from '../src/advise.js';
import { quoteIdent } from '../src/db/quote.js';
import { ensureParser } from '../src/parse/parser.js';
import type { AdviceResult } from '../src/types.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../tools/cluster/cluster.js';
import { fmtInt, fmtS, log, machine, machineLine, mdRow, run, SHARED, StageRecorder, summarizeStages, updateResults } from './common.js';

const TPCH = path.join(SHARED, 'tpch');
/** The queries the index-selection literature keeps (Q2, Q17 and Q20 are left out). */
export const TPCH_QUERIES = [1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 21, 22];

/** Published figures (../shared/tpch/README.md: PostgreSQL 15.18, hypopg 1.3.1, 2 cores, sf0.1). */
export const PUBLISHED = [
  { algorithm: 'Extend', budgetMB: 50, indexes: 7, sizeMB: 46, relativeCost: 59.8, calls: 2129, runtimeS: 1.9, note: '' },
  { algorithm: 'Extend', budgetMB: 150, indexes: 10, sizeMB: 122, relativeCost: 52.2, calls: 4240, runtimeS: 4.4, note: '' },
  {
    algorithm: 'DB2Advis',
    budgetMB: 50,
    indexes: 20,
    sizeMB: 48,
    relativeCost: 66.4,
    calls: 38,
    runtimeS: 0.3,
    note: " (framework's measure)",
  },
  {
    algorithm: 'DB2Advis',
    budgetMB: 150,
    indexes: 27,
    sizeMB: 149,
    relativeCost: 58.2,
    calls: 38,
    runtimeS: 0.3,
    note: " (framework's measure)",
  },
];

export interface TpchOptions {
  /** Budgets in MB (10^6 bytes, as whatif.py's size_mb); `Infinity` for no budget. */
  budgetsMB?: number[];
  /** Also run without a budget (the ceiling of the advisor's candidates and greedy). */
  unbounded?: boolean;
  /** Override the CLI's --min-improvement (development only: the bench measures the defaults). */
  minImprovement?: number;
  /** Only the main variant (workload file, tables as loaded, work_mem 4MB). */
  mainOnly?: boolean;
  maxColumns?: number;
  /**
   * Fresh loads of the data to run on: ANALYZE samples rows at random, and the planner's costs (so
   * the relative cost, the plans and even the index sets) move by about a percentage point between
   * loads. The table gives the median and the range.
   */
  repeats?: number;
  /** Use this already loaded TPC-H database instead of starting clusters (development only). */
  url?: string;
  /**
   * Build each chosen set for real on the first load and time the queries (EXPLAIN ANALYZE), to
   * see whether the planner's estimates hold in execution. On by default.
   */
  real?: boolean;
}

interface WhatIf {
  perQuery: Record<string, number>;
  indexes: number;
  failed: number;
  sizeMB: number;
  relativeCost: number;
  stderr: string;
}

/**
 * How the workload reaches the advisor and what state the server is in. Every variant runs the
 * CLI's defaults (only the budget set): what users run is what is measured.
 */
export interface Variant {
  name: string;
  /** A workload file (calls: 1 each), or the queries run and advised from pg_stat_statements. */
  source: 'file' | 'pgss' | 'pgss+qualstats' | 'pgss+log';
  vacuumed: boolean;
  workMem: '4MB' | '64MB';
}

/** In this order: VACUUM cannot be undone, so the vacuumed variants come last. */
export const VARIANTS: Variant[] = [
  { name: 'workload file', source: 'file', vacuumed: false, workMem: '4MB' },
  { name: 'pg_stat_statements', source: 'pgss', vacuumed: false, workMem: '4MB' },
  { name: 'pg_stat_statements + pg_qualstats', source: 'pgss+qualstats', vacuumed: false, workMem: '4MB' },
  { name: 'pg_stat_statements + server log', source: 'pgss+log', vacuumed: false, workMem: '4MB' },
  { name: 'workload file, work_mem 64MB', source: 'file', vacuumed: false, workMem: '64MB' },
  { name: 'workload file, vacuumed', source: 'file', vacuumed: true, workMem: '4MB' },
  { name: 'workload file, vacuumed, work_mem 64MB', source: 'file', vacuumed: true, workMem: '64MB' },
  { name: 'pg_stat_statements, vacuumed', source: 'pgss', vacuumed: true, workMem: '4MB' },
  { name: 'pg_stat_statements + pg_qualstats, vacuumed', source: 'pgss+qualstats', vacuumed: true, workMem: '4MB' },
  { name: 'pg_stat_statements + server log, vacuumed', source: 'pgss+log', vacuumed: true, workMem: '4MB' },
];
const MAIN = VARIANTS[0]!;
/** Each query runs this many times before a pg_stat_statements variant: a night sees its reports more than once. */
const PGSS_CALLS = 5;

interface BudgetRun {
  label: string;
  budgetMB: number | null;
  result: AdviceResult;
  wallMs: number;
  whatIf: WhatIf;
  ddl: string;
  stages: ReturnType<StageRecorder['timings']>;
}

/** One load of the data (ANALYZE samples at random, so plans and costs differ a little per load). */
interface Repeat {
  loadMs: number;
  baseline: WhatIf;
  runs: BudgetRun[];
  /** The other variants' runs, labelled `variant · budget`; a variant the load could not run is absent. */
  variantRuns: Array<BudgetRun & { variant: string }>;
  skipped: string[];
  /** Real execution times of the queries with each set built for real (first load only). */
  real?: RealRun[];
}

interface RealRun {
  label: string;
  indexes: number;
  buildMs: number;
  /** Median execution time of each query (EXPLAIN ANALYZE's), by query number. */
  perQuery: Record<string, number>;
  totalMs: number;
}

/** Runs per query and set for the real-execution check (after one warm-up run); the median counts. */
const REAL_RUNS = 3;

export interface TpchSummary {
  markdown: string;
  lines: string[];
}

/** whatif.py needs Debian's python3-psycopg2 (it runs /usr/bin/python3); installs it when root. */
export async function ensurePsycopg(): Promise<void> {
  const ok = async () => (await run('/usr/bin/python3', ['-c', 'import psycopg2'])).code === 0;
  if (await ok()) return;
  const cmd = 'apt-get install -y python3-psycopg2';
  if (process.getuid?.() !== 0) throw new Error(`whatif.py needs Debian's python3-psycopg2 for /usr/bin/python3: run \`sudo ${cmd}\``);
  log(`installing python3-psycopg2 for whatif.py (${cmd})…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = await run('apt-get', ['install', '-y', '-q', 'python3-psycopg2'], { env });
  if (r.code !== 0) {
    await run('apt-get', ['update', '-q'], { env });
    r = await run('apt-get', ['install', '-y', '-q', 'python3-psycopg2'], { env });
  }
  if (!(await ok())) throw new Error(`could not install python3-psycopg2 (\`${cmd}\` failed):\n${r.stderr.slice(-2000)}`);
}

async function whatIf(url: string, ddlFile: string | 'none'): Promise<WhatIf> {
  const r = await run(path.join(TPCH, 'whatif.py'), [url, ddlFile], { timeoutMs: 300_000 });
  if (r.code !== 0) throw new Error(`whatif.py failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  const lines = r.stdout.trim().split('\n');
  const perQuery = JSON.parse(lines[0]!) as Record<string, number>;
  const m = /indexes=(\d+) failed=(\d+) size_mb=(\d+) relative_cost=([\d.]+)%/.exec(lines[1] ?? '');
  if (!m) throw new Error(`unexpected whatif.py output:\n${r.stdout}`);
  return {
    perQuery,
    indexes: Number(m[1]),
    failed: Number(m[2]),
    sizeMB: Number(m[3]),
    relativeCost: Number(m[4]),
    stderr: r.stderr.trim(),
  };
}

/**
 * The literature's state is the one load.sh leaves (ANALYZE, no VACUUM: the visibility map is
 * empty, and index-only scans are costed like index scans). Autovacuum would vacuum the tables a
 * minute or so later, in the middle of the runs, and make covering indexes look far better.
 */
async function autovacuumOff(url: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query('ALTER SYSTEM SET autovacuum = off');
    await c.query('SELECT pg_reload_conf()');
  });
}

/**
 * Builds each chosen set for real (plain CREATE INDEX on the throwaway cluster; dropped again
 * afterwards) and times the 19 queries: one warm-up run, then the median of REAL_RUNS runs of
 * EXPLAIN (ANALYZE, TIMING OFF). Planner costs are the literature's measure; this says whether
 * the ranking they give holds when the queries run.
 */
async function realExecution(url: string, runs: BudgetRun[]): Promise<RealRun[]> {
  const queries = queryTexts();
  const sets = [
    { label: 'no index', recs: [] as AdviceResult['recommendations'] },
    ...runs.map((r) => ({ label: r.label, recs: r.result.recommendations })),
    // Again at the end: the first set measured runs on the coldest caches, which made queries no
    // index touches look faster with every later set. Each query's no-index time is the lower one.
    { label: 'no index (again)', recs: [] as AdviceResult['recommendations'] },
  ];
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out: RealRun[] = [];
  try {
    await c.query("SET statement_timeout = '300s'");
    for (const set of sets) {
      log(`TPC-H real execution: ${set.label} (${set.recs.length} indexes built for real)…`);
      const t = performance.now();
      for (const r of set.recs) await c.query(r.definition);
      const buildMs = performance.now() - t;
      try {
        const perQuery: Record<string, number> = {};
        for (const [q, sql] of queries) {
          const times: number[] = [];
          for (let i = 0; i <= REAL_RUNS; i++) {
            const r = await c.query(`EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) ${sql}`);
            if (i > 0) times.push(Number(r.rows[0]['QUERY PLAN'][0]['Execution Time']));
          }
          perQuery[String(q)] = spread(times).median;
        }
        out.push({
          label: set.label,
          indexes: set.recs.length,
          buildMs,
          perQuery,
          totalMs: Object.values(perQuery).reduce((a, b) => a + b, 0),
        });
      } finally {
        for (const r of set.recs) await c.query(`DROP INDEX IF EXISTS ${quoteIdent(r.candidate.schema)}.${quoteIdent(r.name)}`);
      }
    }
  } finally {
    await c.end();
  }
  const again = out.pop()!;
  const none = out[0]!;
  for (const [q, ms] of Object.entries(again.perQuery)) none.perQuery[q] = Math.min(none.perQuery[q] ?? ms, ms);
  none.totalMs = Object.values(none.perQuery).reduce((a, b) => a + b, 0);
  return out;
}

function realMarkdown(real: RealRun[] | undefined): string[] {
  if (!real?.length) return [];
  const none = real[0]!.totalMs;
  const ms = (v: number) => `${v.toFixed(0)} ms`;
  const out = [
    `Real execution (load 1): each set built for real with plain \`CREATE INDEX\`, then each query run once to warm up and ${REAL_RUNS} times with ` +
      `\`EXPLAIN (ANALYZE, TIMING OFF)\`; the median execution time counts. No index is measured first and again last, and each query's lower median counts (the first set runs on the coldest caches). Times on a 2-core machine move by several per cent from run to run.`,
    '',
    mdRow(['set', 'indexes', 'build time', 'Σ execution time', 'relative to no index']),
    mdRow(['---', '---:', '---:', '---:', '---:']),
    ...real.map((r) =>
      mdRow([r.label, String(r.indexes), r.indexes ? fmtS(r.buildMs) : '–', ms(r.totalMs), `${((100 * r.totalMs) / none).toFixed(1)} %`]),
    ),
    '',
    '<details><summary>Real execution time per query (median ms)</summary>',
    '',
    mdRow(['query', ...real.map((r) => r.label)]),
    mdRow(['---', ...real.map(() => '---:')]),
    ...TPCH_QUERIES.map((q) => mdRow([`Q${q}`, ...real.map((r) => (r.perQuery[String(q)] ?? 0).toFixed(1))])),
    '',
    '</details>',
    '',
  ];
  return out;
}

/**
 * Per query and set: the planner's predicted cost relative to no index (whatif.py) against the
 * measured execution time relative to no index; where the two differ by more than 10 points the
 * prediction is not to be trusted for that query, and the table says so.
 */
function predictedVsMeasured(rep: Repeat): string[] {
  const real = rep.real;
  if (!real?.length) return [];
  const none = real[0]!;
  const sets = rep.runs.filter((r) => real.some((x) => x.label === r.label));
  if (sets.length === 0) return [];
  const cells: string[][] = [];
  const apart: string[] = [];
  for (const q of TPCH_QUERIES) {
    const row = [`Q${q}`];
    const base = rep.baseline.perQuery[String(q)] ?? 0;
    for (const run of sets) {
      const predicted = base > 0 ? (100 * (run.whatIf.perQuery[String(q)] ?? base)) / base : 100;
      const ms = real.find((x) => x.label === run.label)!.perQuery[String(q)] ?? 0;
      const measured = (100 * ms) / Math.max(none.perQuery[String(q)] ?? 0, 1e-9);
      const far = Math.abs(predicted - measured) > 10;
      row.push(`${predicted.toFixed(0)} % / ${measured.toFixed(0)} %${far ? ' **≠**' : ''}`);
      if (far) apart.push(`Q${q} at ${run.label} (predicted ${predicted.toFixed(0)} %, measured ${measured.toFixed(0)} %)`);
    }
    cells.push(row);
  }
  return [
    `Predicted against measured, per query (load 1): the planner's cost with the set as a share of its cost with no index, ` +
      `then the median execution time as a share of the time with no index. **≠** marks a difference over 10 points ` +
      `(${apart.length} of ${TPCH_QUERIES.length * sets.length}${apart.length ? `: ${apart.join(', ')}` : ''}).`,
    '',
    `Q9, the largest gap, looked into (EXPLAIN ANALYZE with the 150 MB set built): the plan probes \`lineitem (l_suppkey, l_partkey, …)\` ` +
      `from partsupp and expects 1 row a probe where there are 7, so 72 rows where there are 16,080: the planner takes the two join columns ` +
      `as independent, though each (partkey, suppkey) pair of partsupp has its lineitems. The orders probes above then run 32,160 times instead ` +
      `of 72. Its cost falls from 23,367 to 6,866 (29 %) while its time stays the same (776 ms against 756 ms with no index). No statistic ` +
      `corrects a join estimate; this is where a nightly check of the applied indexes (the history's before/after times) has to speak.`,
    '',
    mdRow(['query', ...sets.map((r) => `${r.label} predicted / measured`)]),
    mdRow(['---', ...sets.map(() => '---:')]),
    ...cells.map((r) => mdRow(r)),
    '',
  ];
}

/** One line per set for the console summary. */
export function realLine(real: RealRun[] | undefined): string | undefined {
  if (!real?.length) return undefined;
  const none = real[0]!.totalMs;
  return `TPC-H real execution (load 1, Σ median times): ${real.map((r) => `${r.label} ${(r.totalMs / 1000).toFixed(2)} s${r === real[0] ? '' : ` (${((100 * r.totalMs) / none).toFixed(1)} %)`}`).join(', ')}`;
}

/** The 19 queries as [number, text without its final semicolon]. */
function queryTexts(): Array<readonly [number, string]> {
  return TPCH_QUERIES.map(
    (q) =>
      [
        q,
        readFileSync(path.join(TPCH, 'queries', `q${String(q).padStart(2, '0')}.sql`), 'utf8')
          .trim()
          .replace(/;\s*$/, ''),
      ] as const,
  );
}

function workloadJson(): string {
  const statements = queryTexts().map(([q, query]) => ({ name: `q${String(q).padStart(2, '0')}`, query, calls: 1 }));
  return JSON.stringify({ statements }, null, 2);
}

export async function runTpch(opts: TpchOptions = {}): Promise<TpchSummary> {
  const budgets = opts.budgetsMB ?? [50, 150];
  const repeats = Math.max(1, opts.repeats ?? 3);
  await ensurePsycopg();
  await ensureParser(); // the WASM parser loads once per process: keep it out of the first timing
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'pgia-bench-tpch-'));
  const workloadFile = path.join(tmp, 'tpch-19.json');
  writeFileSync(workloadFile, workloadJson());
  const plan: Array<{ label: string; mb: number | null }> = budgets.map((mb) => ({ label: `${mb} MB`, mb }));
  if (opts.unbounded) plan.push({ label: 'no budget', mb: null });
  const variants = opts.mainOnly ? [] : VARIANTS.slice(1);
  const reps: Repeat[] = [];
  let versions: { postgres: string; hypopg: string } | undefined;
  // The CLI's defaults; --min-improvement only to explore.
  const selectOpts = opts.minImprovement !== undefined ? { minImprovement: opts.minImprovement } : {};
  const adviseAt = async (input: Partial<AdviseOptions>, url: string, mb: number | null, label: string, file: string) => {
    const rec = new StageRecorder();
    const t = performance.now();
    const result = await advise({
      url,
      ...input,
      ...(mb !== null ? { budgetBytes: mb * 1e6 } : {}),
      ...selectOpts,
      ...(opts.maxColumns !== undefined ? { maxColumns: opts.maxColumns } : {}),
      progress: rec,
    });
    const wallMs = performance.now() - t;
    const ddl = result.recommendations.map((r) => `${r.definition};`).join('\n');
    const ddlFile = path.join(tmp, `${file}.sql`);
    writeFileSync(ddlFile, `${ddl}\n`);
    return { label, budgetMB: mb, result, wallMs, ddl, ddlFile, stages: rec.timings(t + wallMs, result.whatIfCalls) };
  };
  const score = async (url: string, r: Awaited<ReturnType<typeof adviseAt>>): Promise<BudgetRun> => {
    const whatIfScore = await whatIf(url, r.ddlFile);
    if (whatIfScore.failed > 0) log(`whatif.py could not simulate ${whatIfScore.failed} index(es):\n${whatIfScore.stderr}`);
    const { ddlFile: _, ...rest } = r;
    return { ...rest, whatIf: whatIfScore };
  };
  try {
    for (let rep = 1; rep <= repeats; rep++) {
      let cluster: ThrowawayCluster | undefined;
      try {
        let url = opts.url;
        let loadMs = 0;
        if (!url) {
          log(`TPC-H load ${rep}/${repeats}: starting a throwaway PostgreSQL…`);
          cluster = await startThrowawayCluster({ database: 'tpch', log });
          url = cluster.url;
          const t = performance.now();
          const load = await run('bash', [path.join(TPCH, 'load.sh'), url], { timeoutMs: 600_000 });
          if (load.code !== 0) throw new Error(`load.sh failed (exit ${load.code}):\n${load.stderr}`);
          await autovacuumOff(url);
          loadMs = performance.now() - t;
          log(`TPC-H sf0.1 loaded in ${fmtS(loadMs)}`);
        }
        versions ??= await serverVersions(url);
        const baseline = await whatIf(url, 'none');
        const runs: BudgetRun[] = [];
        for (const b of plan) {
          const r = await score(url, await adviseAt({ workloadFile }, url, b.mb, b.label, `tpch-${rep}-${b.mb ?? 'unbounded'}`));
          runs.push(r);
          logRun(rep, MAIN.name, r);
        }
        const real = rep === 1 && opts.real !== false ? await realExecution(url, runs) : undefined;
        const variantRuns: Repeat['variantRuns'] = [];
        const skipped: string[] = [];
        for (const v of variants) {
          const input = await prepareVariant(url, v, cluster, workloadFile);
          if (typeof input === 'string') {
            skipped.push(`${v.name}: ${input}`);
            log(`TPC-H load ${rep}, ${v.name}: skipped (${input})`);
            continue;
          }
          // Every budget is advised before whatif.py runs: its EXPLAINs would land in pg_stat_statements.
          const advised = [];
          for (const mb of budgets)
            advised.push(await adviseAt(input, url, mb, `${v.name} · ${mb} MB`, `tpch-${rep}-${v.name.replace(/\W+/g, '-')}-${mb}`));
          // Scored in the variant's state (its work_mem), then the state is undone.
          for (const a of advised) {
            const r = await score(url, a);
            variantRuns.push({ ...r, variant: v.name });
            logRun(rep, '', r);
          }
          await settle(url, v);
        }
        reps.push({ loadMs, baseline, runs, variantRuns, skipped, ...(real ? { real } : {}) });
      } finally {
        await cluster?.stop();
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const markdown = tpchMarkdown({
    reps,
    plan,
    variants,
    budgets,
    versions: versions!,
    minImprovement: opts.minImprovement,
    maxColumns: opts.maxColumns ?? 3,
    reused: Boolean(opts.url),
  });
  updateResults('tpch', markdown);
  const lines = plan.map((b) => {
    const a = aggregate(reps, b.label);
    return (
      `TPC-H ${b.label}: ${a.cost.median.toFixed(1)} % (range ${a.cost.min.toFixed(1)}–${a.cost.max.toFixed(1)} over ${reps.length} load${reps.length === 1 ? '' : 's'}; ` +
      `${a.indexes.median} indexes, ${a.size.median} MB, ${fmtInt(a.calls.median)} planner calls, ${fmtS(a.wall.median)})${verdict(b.mb, a)}`
    );
  });
  for (const v of variants)
    for (const mb of budgets) {
      const vals = reps.flatMap((r) => r.variantRuns.filter((x) => x.label === `${v.name} · ${mb} MB`).map((x) => x.whatIf.relativeCost));
      if (vals.length)
        lines.push(`TPC-H ${v.name}, ${mb} MB: ${spread(vals).median.toFixed(1)} % (${vals.map((x) => x.toFixed(1)).join(', ')})`);
    }
  const real = realLine(reps[0]?.real);
  return { markdown, lines: real ? [...lines, real] : lines };
}

function logRun(rep: number, variant: string, r: BudgetRun): void {
  log(
    `TPC-H load ${rep}, ${variant ? `${variant}, ` : ''}${r.label}: ${r.whatIf.relativeCost.toFixed(2)} % relative cost, ${r.whatIf.indexes} indexes, ` +
      `${r.whatIf.sizeMB} MB, ${r.result.whatIfCalls} what-if calls, ${fmtS(r.wallMs)}`,
  );
}

async function withClient<T>(url: string, f: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await f(c);
  } finally {
    await c.end();
  }
}

/**
 * Puts the server in the variant's state (work_mem, VACUUM) and, for a pg_stat_statements variant,
 * runs the queries as an application would (PGSS_CALLS times each, with their constants) after a
 * reset, with the constants source switched on. Returns advise()'s input, or why it cannot run.
 */
async function prepareVariant(
  url: string,
  v: Variant,
  cluster: ThrowawayCluster | undefined,
  workloadFile: string,
): Promise<Partial<AdviseOptions> | string> {
  if (v.source === 'pgss+log' && !cluster) return 'the server log of a database given by --url is not known';
  if (v.source === 'pgss+qualstats' && !cluster?.pgQualstats) return 'pg_qualstats is not installed';
  return withClient(url, async (c) => {
    await c.query(`ALTER SYSTEM SET work_mem = '${v.workMem}'`);
    await c.query('SELECT pg_reload_conf()');
    if (v.vacuumed) await c.query('VACUUM');
    if (v.source === 'file') return { workloadFile };
    if (v.source === 'pgss+qualstats') {
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_qualstats');
      await c.query('SELECT pg_qualstats_reset()');
    }
    if (v.source === 'pgss+log') {
      await c.query('ALTER SYSTEM SET log_min_duration_statement = 0');
      await c.query('SELECT pg_reload_conf()');
    }
    await c.query('SELECT pg_stat_statements_reset()');
    // The application's own session, as pg_stat_statements would see it.
    await withClient(url, async (app) => {
      for (let i = 0; i < PGSS_CALLS; i++) for (const [, sql] of queryTexts()) await app.query(sql);
    });
    if (v.source === 'pgss+log') {
      await c.query('ALTER SYSTEM RESET log_min_duration_statement');
      await c.query('SELECT pg_reload_conf()');
      return { logFiles: [cluster!.logFile] };
    }
    return {};
  });
}

/** After a variant's advice: the constants source off again, work_mem back to its default. */
async function settle(url: string, v: Variant): Promise<void> {
  await withClient(url, async (c) => {
    if (v.source === 'pgss+qualstats') await c.query('DROP EXTENSION IF EXISTS pg_qualstats');
    await c.query('ALTER SYSTEM RESET work_mem');
    await c.query('SELECT pg_reload_conf()');
  });
}

interface Spread {
  median: number;
  min: number;
  max: number;
  values: number[];
}

function spread(values: number[]): Spread {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v.at(-1)!, values };
}

function aggregate(reps: Repeat[], label: string) {
  const runs = reps.map((r) => r.runs.find((x) => x.label === label)!);
  const cost = spread(runs.map((r) => r.whatIf.relativeCost));
  // The run whose relative cost is the median stands for the budget in the details.
  const representative = runs.reduce((best, r) =>
    Math.abs(r.whatIf.relativeCost - cost.median) < Math.abs(best.whatIf.relativeCost - cost.median) ? r : best,
  );
  return {
    runs,
    representative,
    cost,
    indexes: spread(runs.map((r) => r.whatIf.indexes)),
    size: spread(runs.map((r) => r.whatIf.sizeMB)),
    calls: spread(runs.map((r) => r.result.whatIfCalls)),
    wall: spread(runs.map((r) => r.wallMs)),
  };
}

export async function serverVersions(url: string): Promise<{ postgres: string; hypopg: string }> {
  return withClient(url, async (c) => {
    const r = await c.query<{ v: string; h: string | null }>(
      `SELECT current_setting('server_version') AS v, (SELECT extversion FROM pg_extension WHERE extname = 'hypopg') AS h`,
    );
    return { postgres: `PostgreSQL ${r.rows[0]!.v.split(' ')[0]}`, hypopg: r.rows[0]!.h ?? 'absent' };
  });
}

function verdict(budgetMB: number | null, a: ReturnType<typeof aggregate>): string {
  const ext = PUBLISHED.find((p) => p.algorithm === 'Extend' && p.budgetMB === budgetMB);
  if (!ext) return '';
  const wins = a.cost.values.filter((v) => v < ext.relativeCost).length;
  const cost = a.cost.median < ext.relativeCost;
  const calls = a.calls.max < ext.calls;
  return (
    ` — vs Extend ${ext.relativeCost} % / ${fmtInt(ext.calls)} calls: cost ${cost ? 'lower (met)' : 'NOT lower'} on the median` +
    ` (lower in ${wins} of ${a.cost.values.length} loads), calls ${calls ? 'fewer (met)' : 'NOT fewer'}`
  );
}

/**
 * The other ways the same queries reach the advisor, and the other server states: each variant at
 * each budget, median over the loads, against the workload file's figure and Extend's.
 */
function variantsMarkdown(reps: Repeat[], variants: Variant[], budgets: number[]): string[] {
  if (!variants.length) return [];
  const out = [
    `Variants (the CLI's defaults, only the budget set). pg_stat_statements: after \`pg_stat_statements_reset()\`, each query runs ` +
      `${PGSS_CALLS} times with its constants, as an application would send it, and the advisor reads the server (no workload file): ` +
      `the texts it sees are normalized (\`$1\`), and constants come only from the sources the variant names (pg_qualstats, ` +
      `installed in the database, sampling every statement; the server log at \`log_min_duration_statement = 0\`, given with \`--log\`), ` +
      `else from the advisor's own inference. work_mem is set with ALTER SYSTEM for the variant (advice and measure); vacuumed: ` +
      `a plain \`VACUUM\` after the unvacuumed variants (the visibility map set, so index-only scans are costed as such). ` +
      `Relative cost is against no index in the same state. Extend's published figures were measured on unvacuumed tables at work_mem 4MB: ` +
      `the comparison is exact only there (with more work_mem the hash joins and sorts that indexes replace cost less, so every set saves a smaller share).`,
    '',
    mdRow(['variant', ...budgets.map((mb) => `${mb} MB`), 'loads']),
    mdRow(['---', ...budgets.map(() => '---:'), '---:']),
  ];
  const cell = (name: string, mb: number) => {
    const runs = reps.flatMap((r) => r.variantRuns.filter((x) => x.label === `${name} · ${mb} MB`));
    if (!runs.length) return { text: '–', n: 0 };
    const c = spread(runs.map((r) => r.whatIf.relativeCost));
    const i = spread(runs.map((r) => r.whatIf.indexes));
    const ext = PUBLISHED.find((p) => p.algorithm === 'Extend' && p.budgetMB === mb);
    const beats = ext ? (c.median < ext.relativeCost ? ' (beats Extend)' : ' (**not under Extend**)') : '';
    const spreadText = c.min !== c.max ? ` (${c.min.toFixed(1)}–${c.max.toFixed(1)})` : '';
    return { text: `${c.median.toFixed(1)} %${spreadText}, ${i.median} indexes${beats}`, n: runs.length };
  };
  const main = (mb: number) => {
    const c = spread(reps.map((r) => r.runs.find((x) => x.budgetMB === mb)?.whatIf.relativeCost ?? Number.NaN));
    return `${c.median.toFixed(1)} %`;
  };
  out.push(mdRow([`${MAIN.name} (above)`, ...budgets.map(main), String(reps.length)]));
  for (const v of variants) {
    const cells = budgets.map((mb) => cell(v.name, mb));
    out.push(mdRow([v.name, ...cells.map((c) => c.text), String(Math.max(...cells.map((c) => c.n)))]));
  }
  out.push('');
  const skipped = [...new Set(reps.flatMap((r) => r.skipped))];
  if (skipped.length) out.push(`Skipped: ${skipped.join('; ')}.`, '');
  return out;
}

function tpchMarkdown(x: {
  reps: Repeat[];
  plan: Array<{ label: string; mb: number | null }>;
  variants: Variant[];
  budgets: number[];
  versions: { postgres: string; hypopg: string };
  minImprovement: number | undefined;
  maxColumns: number;
  reused: boolean;
}): string {
  const m = machine(x.versions);
  const n = x.reps.length;
  const pct = (v: number) => `${v.toFixed(1)} %`;
  const range = (s: Spread, f: (v: number) => string) => (n > 1 && s.min !== s.max ? ` (${f(s.min)}–${f(s.max)})` : '');
  const out: string[] = [];
  out.push('## TPC-H (scale factor 0.1, the 19 queries of the literature)', '');
  out.push(machineLine(m), '');
  const loads = x.reps.map((r) => r.loadMs).filter((v) => v > 0);
  out.push(
    `Workload: Q${TPCH_QUERIES.join(', Q')} (calls: 1 each) as a workload file. ` +
      (x.reused
        ? 'One already loaded database, reused. '
        : `${n} separate loads with \`../shared/tpch/load.sh\` (${loads.map((v) => fmtS(v)).join(', ')}), each in a new throwaway cluster: `) +
      `ANALYZE samples rows at random, so the planner's costs differ a little from load to load; figures are the median over the loads with the range in brackets. ` +
      `Tables as load.sh leaves them (ANALYZE, no VACUUM: index-only scans are costed like index scans), with autovacuum off so that they stay so during the runs. ` +
      `\`advise()\` runs with the CLI's defaults, only the budget set (\`budgetBytes\` = budget × 10^6)` +
      (x.minImprovement !== undefined ? `, except \`minImprovement: ${x.minImprovement}\` (an exploration, not the defaults)` : '') +
      `. Relative cost is \`whatif.py\`'s ` +
      `(Σ planner total cost of the 19 queries with the index set as hypopg indexes ÷ the same with no index); ` +
      `size is hypopg's estimate as \`whatif.py\` sums it; planner calls are the advisor's \`whatIfCalls\` ` +
      `(EXPLAINs); runtime is the wall time of \`advise()\`. Extend's and DB2Advis's rows are the published figures of ` +
      `\`../shared/tpch/README.md\` (PostgreSQL 15.18, 2 cores; Extend limited to indexes of width ≤ 2).`,
    '',
  );
  out.push(mdRow(['algorithm', 'budget', 'indexes', 'size', 'relative cost', 'planner calls', 'runtime']));
  out.push(mdRow(['---', '---', '---:', '---:', '---:', '---:', '---:']));
  const base = spread(x.reps.map((r) => r.baseline.relativeCost));
  out.push(mdRow(['no index', '–', 0, '0 MB', pct(base.median), '–', '–']));
  const budgetsShown = [...new Set([...x.plan.map((b) => b.mb), ...PUBLISHED.map((p) => p.budgetMB)])];
  const aggs = new Map(x.plan.map((b) => [b.label, aggregate(x.reps, b.label)]));
  for (const mb of budgetsShown) {
    for (const b of x.plan.filter((b) => b.mb === mb)) {
      const a = aggs.get(b.label)!;
      out.push(
        mdRow([
          '**pg-index-advisor**',
          b.label,
          `${a.indexes.median}${range(a.indexes, String)}`,
          `${a.size.median} MB${range(a.size, String)}`,
          `**${pct(a.cost.median)}**${range(a.cost, (v) => v.toFixed(1))}`,
          `${fmtInt(a.calls.median)}${range(a.calls, fmtInt)}`,
          fmtS(a.wall.median),
        ]),
      );
    }
    for (const p of PUBLISHED.filter((p) => p.budgetMB === mb)) {
      out.push(
        mdRow([
          `${p.algorithm} (published)`,
          `${p.budgetMB} MB`,
          p.indexes,
          `${p.sizeMB} MB`,
          `${p.relativeCost} %${p.note}`,
          fmtInt(p.calls),
          `${p.runtimeS} s`,
        ]),
      );
    }
  }
  out.push('');
  out.push('Targets (issue 4): a lower relative cost than Extend at both budgets, with fewer planner calls.', '');
  for (const b of x.plan) {
    const a = aggs.get(b.label)!;
    const v = verdict(b.mb, a);
    if (v)
      out.push(
        `- ${b.label}: median ${pct(a.cost.median)} (loads: ${a.cost.values.map((c) => c.toFixed(2)).join(', ')} %), ${fmtInt(a.calls.median)} calls${v}.`,
      );
  }
  out.push('');

  out.push(...variantsMarkdown(x.reps, x.variants, x.budgets));

  // Per-query relative costs (median over the loads), with each query's share of the no-index cost.
  const firstRun = x.reps[0]!.runs[0]!.result;
  const baseCost = new Map(firstRun.statements.map((s) => [s.statementId, s.costBefore ?? 0]));
  const total = [...baseCost.values()].reduce((a, b) => a + b, 0);
  out.push(
    `Per-query relative cost (\`whatif.py\`, % of the query's own no-index cost, median over the loads) and each query's share of the no-index total (first load):`,
    '',
  );
  out.push(mdRow(['query', 'no-index cost', 'share', ...x.plan.map((b) => b.label)]));
  out.push(mdRow(['---', '---:', '---:', ...x.plan.map(() => '---:')]));
  for (const q of TPCH_QUERIES) {
    const id = `q${String(q).padStart(2, '0')}`;
    const c = baseCost.get(id) ?? 0;
    out.push(
      mdRow([
        `Q${q}`,
        fmtInt(c),
        total > 0 ? `${((100 * c) / total).toFixed(1)} %` : '–',
        ...x.plan.map((b) => {
          const vals = aggs
            .get(b.label)!
            .runs.map((r) => r.whatIf.perQuery[String(q)])
            .filter((v): v is number => v !== undefined);
          if (!vals.length) return '–';
          const s = spread(vals);
          return `${pct(s.median)}${range(s, (v) => v.toFixed(0))}`;
        }),
      ]),
    );
  }
  out.push(mdRow(['**all**', fmtInt(total), '100 %', ...x.plan.map((b) => `**${pct(aggs.get(b.label)!.cost.median)}**`)]));
  out.push('');
  out.push(...realMarkdown(x.reps[0]!.real));
  out.push(...predictedVsMeasured(x.reps[0]!));

  for (const b of x.plan) {
    const a = aggs.get(b.label)!;
    const r = a.representative;
    const load = a.runs.indexOf(r) + 1;
    const sets = new Set(a.runs.map((x) => x.ddl));
    out.push(
      `<details><summary>Indexes chosen at ${b.label} (load ${load}, ${pct(r.whatIf.relativeCost)}; ${r.result.candidatesConsidered} candidates considered; ` +
        `${sets.size === 1 ? 'the same set in every load' : `${sets.size} different sets over ${n} loads`})</summary>`,
      '',
    );
    out.push('```sql');
    for (const rec of r.result.recommendations)
      out.push(`${rec.definition}; -- ${(rec.estimatedBytes / 1e6).toFixed(1)} MB, ${(100 * rec.benefitShare).toFixed(1)} % of the cost`);
    out.push('```', '');
    if (sets.size > 1) {
      const here = new Set(r.ddl.split('\n'));
      for (const [i, other] of a.runs.entries()) {
        if (other === r) continue;
        const there = new Set(other.ddl.split('\n'));
        const plus = [...there].filter((d) => !here.has(d));
        const minus = [...here].filter((d) => !there.has(d));
        if (plus.length || minus.length)
          out.push(
            `Load ${i + 1} (${pct(other.whatIf.relativeCost)}): ${[...plus.map((d) => `+ \`${d}\``), ...minus.map((d) => `− \`${d}\``)].join(', ')}`,
            '',
          );
      }
    }
    if (r.result.notAdvisable.length) {
      out.push('Not advisable:', '');
      for (const na of r.result.notAdvisable) out.push(`- ${na.statementId}: ${na.reason}`);
      out.push('');
    }
    out.push(`Time by stage: ${summarizeStages(r.stages)}`, '');
    out.push('</details>', '');
  }
  return out.join('\n');
}
