// How much of pg_stat_statements the advisor can plan: the share of entries (statements the
// harvest keeps) that come out of parsing with a text the server costs. Two workloads, both read
// from pg_stat_statements as the advisor reads a production server:
//
// - workloads/shop, replayed as the demo replays it (tools/demo/replay.ts);
// - TPC-H sf0.1 (../shared/tpch), its 22 queries run once each with their literal constants, so
//   that pg_stat_statements normalizes them (`date $1`, `interval $2 day`, …); no workload file.
//
// Each is measured twice: as the superuser, and as a read-only advisor role (pg_read_all_data and
// pg_read_all_stats, no write privilege). The path is the advice's own: harvest, parseStatement,
// then a what-if session's cost of each statement with no hypothetical index (the selection's
// baseline; what fails there is "cannot be planned" in the report).
//
// RESULTS.md keeps one row per advisor commit and workload (the data is kept in the section as a
// JSON comment), so a run at an older commit (bench/at-commit.sh REV planned) and one at the
// working tree show up side by side: before and after.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { findTable } from '../src/catalog/find.js';
import { readCatalog } from '../src/catalog/readCatalog.js';
import { adviceCatalog } from '../src/catalog/scope.js';
import { harvestPgStatStatements } from '../src/harvest/pgStatStatements.js';
import { ensureParser } from '../src/parse/parser.js';
import { parseStatement } from '../src/parse/parseStatement.js';
import type { ParsedStatement } from '../src/types.js';
import { WhatIfSession } from '../src/verify/whatIfSession.js';
import { startThrowawayCluster } from '../tools/cluster/cluster.js';
import { loadWorkload, replayWorkload } from '../tools/demo/replay.js';
import { fmtS, log, machine, machineLine, mdRow, RESULTS_FILE, ROOT, run, SHARED, updateResults } from './common.js';

const TPCH = path.join(SHARED, 'tpch');

/**
 * Statements whose pg_stat_statements text was reported as "cannot be planned" (issue 10), in the
 * shape they were reported in, on the shop's tables.
 */
const REPORTED = [
  // make_interval(hours => $1 * $2): the parameters were declared numeric, make_interval takes integer.
  'SELECT count(*) FROM orders WHERE created_at > now() - make_interval(hours => 24 * 7)',
  // (ARRAY[$3, $4, $5])[$6 + g % $7]: the deparser dropped the parentheses.
  `INSERT INTO orders (id, customer_id, status, created_at, total, tenant_id)
     SELECT 1000000 + g, 1 + g % 100, (ARRAY['new', 'paid', 'shipped'])[1 + g % 3], now(), 10, 1 FROM generate_series(1, 10) g`,
  // unknown || unknown: more than one operator takes it.
  `SELECT id FROM customers WHERE email LIKE 'ann' || '%'`,
  // generate_series(unknown, unknown): more than one function takes it.
  'SELECT g, count(o.id) FROM generate_series(1, 7) g LEFT JOIN orders o ON o.customer_id = g GROUP BY g',
  // A parameter nothing types.
  `SELECT jsonb_build_object('id', id, 'email', email) FROM customers WHERE id = 42`,
  // RETURNING with a subquery.
  `UPDATE orders SET status = 'paid' WHERE id = 1 RETURNING id, (SELECT count(*) FROM order_items WHERE order_id = orders.id)`,
  `DELETE FROM reviews WHERE product_id = 3 AND rating < 2`,
];
const READER = 'pgia_reader';

export interface PlannedRow {
  commit: string;
  date: string;
  workload: string;
  role: string;
  /** pg_stat_statements entries of the database (top level). */
  entries: number;
  /** Set aside by the harvest (utility statements, catalog queries, the advisor's own SQL). */
  skipped: number;
  /** Statements the harvest keeps: the denominator. */
  statements: number;
  cannotParse: number;
  planned: number;
  /** Statements costed some other way than EXPLAIN of their own text (notes say how). */
  costedOtherwise: number;
  failures: Array<{ query: string; reason: string }>;
}

export async function runPlanned(): Promise<{ lines: string[] }> {
  await ensureParser();
  const m = machine();
  const cluster = await startThrowawayCluster({ database: 'shop', log, settings: ['autovacuum = off'] });
  const rows: PlannedRow[] = [];
  try {
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    try {
      await admin.query(`CREATE ROLE ${READER} LOGIN`);
      await admin.query(`GRANT pg_read_all_data, pg_read_all_stats TO ${READER}`);
      // Shop: loaded and replayed as the demo does.
      let t = performance.now();
      await loadWorkload(admin, path.join(ROOT, 'workloads', 'shop'));
      await admin.query('SELECT pg_stat_statements_reset()');
      const replay = await replayWorkload(admin, path.join(ROOT, 'workloads', 'shop'), { concurrency: 2 });
      log(`shop: loaded and replayed ${replay.executed} calls in ${fmtS(performance.now() - t)}`);
      for (const f of replay.failed) log(`shop statement ${f.name} failed during replay: ${f.error}`);

      // TPC-H: loaded with load.sh, the 22 queries run once each, literal constants and all.
      await admin.query('CREATE DATABASE tpch');
      const tpchUrl = withDatabase(cluster.url, 'tpch');
      t = performance.now();
      const load = await run('bash', [path.join(TPCH, 'load.sh'), tpchUrl], { timeoutMs: 600_000 });
      if (load.code !== 0) throw new Error(`load.sh failed (exit ${load.code}):\n${load.stderr}`);
      const tc = new pg.Client({ connectionString: tpchUrl });
      await tc.connect();
      try {
        await tc.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
        await tc.query('CREATE EXTENSION IF NOT EXISTS hypopg');
        // Without an index, Q2, Q17 and Q20 (correlated subqueries) run for hours: two helper
        // indexes for the run, dropped before the harvest (pg_stat_statements keeps the entries).
        await tc.query(
          'CREATE INDEX bench_l_part_supp ON lineitem (l_partkey, l_suppkey); CREATE INDEX bench_ps_part ON partsupp (ps_partkey)',
        );
        await tc.query("SET statement_timeout = '300s'");
        // This database's entries only: the shop's stay.
        await tc.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)');
        for (let q = 1; q <= 22; q++) {
          const sql = readFileSync(path.join(TPCH, 'queries', `q${String(q).padStart(2, '0')}.sql`), 'utf8');
          await tc.query(sql).catch((err: Error) => log(`TPC-H Q${q} failed (not in pg_stat_statements): ${err.message}`));
        }
        await tc.query('RESET statement_timeout; DROP INDEX bench_l_part_supp, bench_ps_part');
      } finally {
        await tc.end();
      }
      log(`TPC-H: loaded and the 22 queries run in ${fmtS(performance.now() - t)}`);

      // Statements others reported as "cannot be planned", on the shop's tables (empty: planning
      // needs no rows), run with their constants; writes rolled back.
      await admin.query('CREATE DATABASE reported');
      const rc = new pg.Client({ connectionString: withDatabase(cluster.url, 'reported') });
      await rc.connect();
      try {
        await rc.query(readFileSync(path.join(ROOT, 'workloads', 'shop', 'schema.sql'), 'utf8'));
        await rc.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements; CREATE EXTENSION IF NOT EXISTS hypopg');
        await rc.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)');
        for (const sql of REPORTED) {
          await rc.query('BEGIN');
          await rc.query(sql).catch((err: Error) => log(`reported statement failed: ${err.message}: ${sql}`));
          await rc.query('ROLLBACK');
        }
      } finally {
        await rc.end();
      }
    } finally {
      await admin.end();
    }
    // Each database's statements are harvested once, before anything is costed (the costing
    // leaves the advisor's own traces in pg_stat_statements), then costed as each role.
    for (const [workload, url] of [
      ['shop (replayed)', cluster.url],
      ['TPC-H sf0.1, 22 queries', withDatabase(cluster.url, 'tpch')],
      [`reported statements (${REPORTED.length})`, withDatabase(cluster.url, 'reported')],
    ] as const) {
      const harvest = await harvestOnce(url);
      for (const role of ['postgres', READER]) {
        const u = new URL(url);
        u.username = role;
        const row = await measure(u.toString(), harvest);
        rows.push({
          ...row,
          workload,
          role: role === READER ? `${READER} (pg_read_all_data, pg_read_all_stats)` : 'superuser',
          commit: m.commit,
          date: m.date,
        });
        log(`${workload} as ${role}: ${row.planned} of ${row.statements} planned`);
      }
    }
  } finally {
    await cluster.stop();
  }
  const all = mergeRows(previousRows(), rows);
  updateResults('planned', plannedMarkdown(all, machineLine({ ...m, postgres: `PostgreSQL ${cluster.version}` })));
  return {
    lines: rows.map(
      (r) => `planned: ${r.workload} as ${r.role.split(' ')[0]}: ${r.planned}/${r.statements} (${pct(r.planned, r.statements)})`,
    ),
  };
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

interface Harvest {
  harvested: Awaited<ReturnType<typeof harvestPgStatStatements>>;
  catalog: ReturnType<typeof adviceCatalog>;
  entries: number;
}

async function harvestOnce(url: string): Promise<Harvest> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const catalog = adviceCatalog(await readCatalog(client));
    const harvested = await harvestPgStatStatements(client, url);
    const r = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND toplevel`,
    );
    return { catalog, harvested, entries: r.rows[0]!.n };
  } finally {
    await client.end();
  }
}

async function measure(
  url: string,
  { harvested, catalog, entries }: Harvest,
): Promise<Omit<PlannedRow, 'commit' | 'date' | 'workload' | 'role'>> {
  // As advise() parses (src/advise.ts parseWorkload): the catalog's columns, LIMIT at rows per call.
  const lookup = (schema: string | undefined, table: string) => findTable(catalog, schema, table)?.columns.map((c) => c.name);
  const tsConfig = catalog.textSearchConfig ? { textSearchConfig: catalog.textSearchConfig } : {};
  const parsed: Array<{ p: ParsedStatement; query: string }> = harvested.statements.map((s) => ({
    p: parseStatement(s, lookup, { limit: s.calls > 0 ? s.rows / s.calls : 10, ...tsConfig }),
    query: s.query,
  }));
  const failures: PlannedRow['failures'] = [];
  let planned = 0;
  let costedOtherwise = 0;
  const session = await WhatIfSession.open(url);
  try {
    for (const { p, query } of parsed) {
      if (p.error) {
        failures.push({ query, reason: p.error });
        continue;
      }
      const r = await session.cost(p);
      if (r.ok) {
        planned++;
        if (((r as { notes?: string[] }).notes ?? p.notes ?? []).some((n) => /costed/.test(n))) costedOtherwise++;
      } else failures.push({ query, reason: `cannot be planned: ${r.error}` });
    }
  } finally {
    await session.close();
  }
  return {
    entries,
    skipped: harvested.skipped.length,
    statements: harvested.statements.length,
    cannotParse: parsed.filter((x) => x.p.error).length,
    planned,
    costedOtherwise,
    failures,
  };
}

const DATA = /<!-- planned-data (.*?) -->/s;

function previousRows(): PlannedRow[] {
  if (!existsSync(RESULTS_FILE)) return [];
  const m = DATA.exec(readFileSync(RESULTS_FILE, 'utf8'));
  if (!m) return [];
  try {
    return JSON.parse(m[1]!.replace(/-\\->/g, '-->')) as PlannedRow[];
  } catch {
    return [];
  }
}

/** This run's rows replace the same commit's; other commits' stay (the last four commits). */
function mergeRows(old: PlannedRow[], fresh: PlannedRow[]): PlannedRow[] {
  const commits = new Set(fresh.map((r) => r.commit));
  const kept = old.filter((r) => !commits.has(r.commit));
  const order = [...new Set([...kept.map((r) => r.commit), ...commits])].slice(-4);
  return [...kept, ...fresh].filter((r) => order.includes(r.commit));
}

const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : '–');
const short = (q: string) => {
  const one = q.replace(/\s+/g, ' ').trim();
  return one.length > 110 ? `${one.slice(0, 107)}…` : one;
};
const cell = (s: string) => s.replace(/\|/g, '\\|');

function plannedMarkdown(rows: PlannedRow[], machineText: string): string {
  const out = [
    '## Statements planned (`npm run bench -- planned`)',
    '',
    'Share of `pg_stat_statements` entries the advisor can cost: harvested as advise() harvests them, parsed, then costed',
    "by a what-if session with no hypothetical index (the selection's baseline; what fails there is reported as",
    '"cannot be planned"). *shop*: `workloads/shop` loaded and replayed as the demo does (2 connections). *TPC-H*: sf0.1 loaded',
    'with `../shared/tpch/load.sh`, its 22 queries run once each with their constants (pg_stat_statements normalizes them;',
    'two helper indexes, dropped before the harvest, let Q2, Q17 and Q20 finish), then harvested from the server.',
    '*reported statements*: statements reported as "cannot be planned" (`REPORTED` in `bench/planned.ts`), run once each on',
    `the shop's (empty) tables. Each as the superuser and as \`${READER}\`, a role with only \`pg_read_all_data\` and`,
    '`pg_read_all_stats`. *statements*: entries the harvest keeps (utility statements and the like are set aside);',
    '*other text*: planned through an equivalent text (a write through the query that finds its rows; the statement notes say so).',
    'One row per advisor commit: an older commit is measured with `bench/at-commit.sh REV planned`.',
    '',
    machineText,
    '',
    mdRow(['advisor', 'workload', 'role', 'entries', 'set aside', 'statements', 'cannot parse', 'planned', 'other text', 'share planned']),
    mdRow(['---', '---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
    ...rows.map((r) =>
      mdRow([
        r.commit,
        r.workload,
        r.role,
        r.entries,
        r.skipped,
        r.statements,
        r.cannotParse,
        r.planned,
        r.costedOtherwise,
        `**${pct(r.planned, r.statements)}**`,
      ]),
    ),
    '',
  ];
  for (const commit of [...new Set(rows.map((r) => r.commit))]) {
    const failed = rows.filter((r) => r.commit === commit && r.failures.length > 0);
    if (failed.length === 0) continue;
    out.push(`<details><summary>Not planned at ${commit}</summary>`, '');
    out.push(mdRow(['workload', 'role', 'statement', 'reason']), mdRow(['---', '---', '---', '---']));
    for (const r of failed)
      for (const f of r.failures)
        out.push(mdRow([r.workload, r.role.split(' ')[0]!, `\`${cell(short(f.query))}\``, cell(short(f.reason))]));
    out.push('', '</details>', '');
  }
  out.push(`<!-- planned-data ${JSON.stringify(rows).replace(/-->/g, '-\\->')} -->`);
  return out.join('\n');
}
