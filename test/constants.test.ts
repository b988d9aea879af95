// Constants that normalization removed, recovered from each source a real installation may have:
// pg_qualstats, the server log, live samples of pg_stat_activity, and (when nothing saw them)
// inference from rows per call. The workload goes through pg_stat_statements as the demo's does
// (the extended protocol: `status = $1`), and the rare value must end up as a partial index.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { advise } from '../src/advise.js';
import { generateCandidates } from '../src/candidates/generate.js';
import { findTable } from '../src/catalog/find.js';
import { readCatalog } from '../src/catalog/readCatalog.js';
import { adviceCatalog } from '../src/catalog/scope.js';
import { harvestPgStatStatements } from '../src/harvest/pgStatStatements.js';
import { inferConstants } from '../src/parse/infer.js';
import { ensureParser } from '../src/parse/parser.js';
import { parseStatement } from '../src/parse/parseStatement.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';

const QUERY = 'SELECT id, payload FROM jobs WHERE status = $1';
const PARTIAL = { where: "status = 'pending'" };

/** 200,000 jobs: done 95 %, failed 3 %, running 1.5 %, pending 0.5 % (statistics over the whole table). */
async function createJobs(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE TABLE jobs (id int PRIMARY KEY, status text NOT NULL, queue_id int NOT NULL, payload text NOT NULL);
    INSERT INTO jobs SELECT i,
           CASE WHEN i % 1000 < 950 THEN 'done' WHEN i % 1000 < 980 THEN 'failed' WHEN i % 1000 < 995 THEN 'running' ELSE 'pending' END,
           i % 50, md5(i::text)
      FROM generate_series(1, 200000) i;
    ALTER TABLE jobs ALTER status SET STATISTICS 1000;
    ANALYZE jobs;`);
  await resetStatementStats(client);
}

/** The application's calls: always the rare value, as a bind parameter (pg_stat_statements shows `$1`). */
async function runWorkload(client: pg.Client, calls = 20): Promise<void> {
  for (let i = 0; i < calls; i++) await client.query(QUERY, ['pending']);
}

const statement = (result: AdviceResult) => result.statements.find((s) => s.query === QUERY)!;
const partialRecommendation = (result: AdviceResult) =>
  result.recommendations.find((r) => r.candidate.table === 'jobs' && r.candidate.where === PARTIAL.where);

beforeAll(async () => {
  await ensureParser();
});

describe('pg_qualstats', () => {
  let db: TestDatabase;
  let preloaded = false;
  beforeAll(async () => {
    db = await createTestDatabase('constants_qualstats');
    const r = await db.client.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v");
    preloaded = /\bpg_qualstats\b/.test(r.rows[0]!.v);
    if (!preloaded) {
      console.log('[constants] pg_qualstats is not preloaded on the test server: the pg_qualstats test is skipped');
      return;
    }
    await db.client.query('CREATE EXTENSION pg_qualstats');
    await createJobs(db.client);
    await runWorkload(db.client);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('finds the value every execution used, costs the statement with it, and advises a partial index on it', async (ctx) => {
    if (!preloaded) ctx.skip();
    const result = await advise({ url: db.url, activity: { samples: 0 } });
    expect(statement(result).recovered).toEqual([
      { param: 1, value: "'pending'", source: 'pg_qualstats', certain: true, seen: 20, share: 1 },
    ]);
    expect(partialRecommendation(result)).toBeDefined();
    expect(partialRecommendation(result)!.verified).toBe(true);
  }, 120_000);

  it('a bound the planner folded (date $2 + interval $3 year) is put back whole: a range over half the table gets no index', async (ctx) => {
    if (!preloaded) ctx.skip();
    // Two years of events; the report asks for one of them. Its generic plan takes the range for
    // 0.5 % of the rows (the planner's default for two unknown bounds), where an index would win.
    await db.client.query(`
      CREATE TABLE events (id int PRIMARY KEY, created date NOT NULL, amount numeric NOT NULL, note text NOT NULL);
      INSERT INTO events SELECT i, date '2023-01-01' + (i % 730), i % 97, md5(i::text) FROM generate_series(1, 200000) i;
      ANALYZE events;
      SELECT pg_qualstats_reset();`);
    await resetStatementStats(db.client);
    const report = "SELECT sum(amount) FROM events WHERE created >= date '2023-01-01' AND created < date '2023-01-01' + interval '1' year";
    for (let i = 0; i < 6; i++) await db.client.query(report);
    // Without pg_qualstats' functions the advisor sees the generic plan only: it wants the index.
    await db.client.query('DROP EXTENSION pg_qualstats');
    const generic = await advise({ url: db.url, activity: { samples: 0 } });
    await db.client.query('CREATE EXTENSION pg_qualstats');
    expect(generic.recommendations.filter((r) => r.candidate.table === 'events').length).toBeGreaterThan(0);
    const result = await advise({ url: db.url, activity: { samples: 0 } });
    const s = result.statements.find((x) => x.query.includes('FROM events'))!;
    expect(s.query).toMatch(/created < date \$\d+ \+ interval \$\d+ year/i);
    const site = s.recovered?.find((r) => r.site);
    expect(site).toMatchObject({ value: "'2024-01-01 00:00:00'", source: 'pg_qualstats', certain: true });
    expect(result.recommendations.filter((r) => r.candidate.table === 'events')).toEqual([]);
  }, 120_000);
});

describe('server log', () => {
  let db: TestDatabase;
  const logFile = inject('pgLogFile');
  let files: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('constants_log');
    await createJobs(db.client);
    if (!logFile) {
      console.log('[constants] the test server is not ours (PGIA_DATABASE_URL): its log cannot be read, the log test is skipped');
      return;
    }
    // A real log: log_min_duration_statement = 0 for this session only; the server writes stderr format.
    const from = statSync(logFile).size;
    await db.client.query('SET log_min_duration_statement = 0');
    await runWorkload(db.client);
    await db.client.query('RESET log_min_duration_statement');
    await new Promise((resolve) => setTimeout(resolve, 200));
    const lines = readFileSync(logFile).subarray(from).toString('utf8').split('\n');
    // Rotated: the older half gzipped (postgresql.log.1.gz), the newer half in postgresql.log.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgia-constants-log-'));
    const half = lines.findIndex((l, i) => i > lines.length / 2 && !l.startsWith('\t') && !/DETAIL:/.test(l));
    files = [path.join(dir, 'postgresql.log.1.gz'), path.join(dir, 'postgresql.log')];
    writeFileSync(files[0]!, gzipSync(`${lines.slice(0, half).join('\n')}\n`));
    writeFileSync(files[1]!, lines.slice(half).join('\n'));
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('matches each logged execution to its pg_stat_statements entry by fingerprint and advises the partial index', async (ctx) => {
    if (!logFile) ctx.skip();
    const result = await advise({ url: db.url, logFiles: files, activity: { samples: 0 } });
    const s = statement(result);
    expect(s.calls).toBe(20); // calls and times from pg_stat_statements
    expect(s.recovered).toHaveLength(1);
    expect(s.recovered![0]).toMatchObject({ param: 1, value: "'pending'", certain: true, seen: 20, share: 1 });
    // Both files of the rotation contributed.
    expect(s.recovered![0]!.source).toContain(`log ${files[0]}`);
    expect(s.recovered![0]!.source).toContain(`log ${files[1]}`);
    expect(partialRecommendation(result)).toBeDefined();
  }, 120_000);

  it('the command line takes the files with --log', (ctx) => {
    if (!logFile) ctx.skip();
    const out = mkdtempSync(path.join(os.tmpdir(), 'pgia-constants-cli-'));
    const r = spawnSync(
      process.execPath,
      ['bin/pg-index-advisor.js', 'advise', '--db', db.url, '--log', ...files, '--out', out, '--no-audit', '--json'],
      { encoding: 'utf8', env: { ...process.env, PGIA_DEBUG: '' } },
    );
    expect(r.status, r.stderr).toBe(0);
    const advice = JSON.parse(readFileSync(path.join(out, 'advice.json'), 'utf8')) as AdviceResult;
    expect(statement(advice).recovered?.[0]).toMatchObject({ value: "'pending'", certain: true });
    expect(readFileSync(path.join(out, 'advice.md'), 'utf8')).toMatch(
      /\$1 taken as 'pending': the value of every one of \d+ executions seen \(log /,
    );
  }, 120_000);

  it('without pg_stat_statements, the logs are the workload (as in Dexter): executions and time as logged', async (ctx) => {
    if (!logFile) ctx.skip();
    await db.client.query('DROP EXTENSION pg_stat_statements');
    const result = await advise({ url: db.url, logFiles: files, activity: { samples: 0 } });
    expect(result.workloadOrigin).toMatch(/^server logs /);
    expect(result.warnings[0]).toMatch(/^pg_stat_statements is not installed in this database: the workload comes from the logs/);
    const s = statement(result);
    expect(s.calls).toBe(20);
    expect(s.totalExecMs).toBeGreaterThan(0);
    expect(s.recovered?.[0]).toMatchObject({ param: 1, value: "'pending'", certain: true, seen: 20 });
    expect(partialRecommendation(result)).toBeDefined();
  }, 120_000);
});

describe('live samples of pg_stat_activity', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('constants_live');
    await createJobs(db.client);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('sees a concurrent session send the constant while advise runs', async () => {
    // The application: a session of its own sending the statement with the constant in its text
    // (the simple protocol), every 20 ms until the advice is done.
    const app = new pg.Client({ connectionString: db.url });
    await app.connect();
    const appQuery = "SELECT id, payload FROM jobs WHERE status = 'pending'";
    let running = true;
    for (let i = 0; i < 20; i++) await app.query(appQuery);
    const loop = (async () => {
      while (running) {
        await app.query(appQuery);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    let result: AdviceResult;
    try {
      result = await advise({ url: db.url });
    } finally {
      running = false;
      await loop;
      await app.end();
    }
    const s = statement(result);
    expect(s.recovered).toHaveLength(1);
    expect(s.recovered![0]).toMatchObject({ param: 1, value: "'pending'", source: 'pg_stat_activity', certain: true, share: 1 });
    expect(s.recovered![0]!.seen).toBeGreaterThanOrEqual(5);
    expect(partialRecommendation(result)).toBeDefined();
  }, 120_000);
});

describe('inference from rows per call', () => {
  let db: TestDatabase;
  let result: AdviceResult;
  beforeAll(async () => {
    db = await createTestDatabase('constants_inferred');
    await createJobs(db.client);
    await runWorkload(db.client);
    result = await advise({ url: db.url, activity: { samples: 0 } });
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('names the value whose frequency matches the rows per call, as inferred, and costs the generic plan', () => {
    const s = statement(result);
    expect(s.recovered).toEqual([
      {
        param: 1,
        value: "'pending'",
        source: 'inferred',
        certain: false,
        inferred: expect.stringMatching(/^1000 rows per call .* 0\.5 %/),
      },
    ]);
    // Not known: the generic plan cannot use a partial index on the value, so none is recommended.
    expect(partialRecommendation(result)).toBeUndefined();
  });

  it('proposes the partial index on the inferred value as a candidate', async () => {
    const catalog = adviceCatalog(await readCatalog(db.client));
    const workload = await harvestPgStatStatements(db.client, db.url);
    const w = workload.statements.find((x) => x.query === QUERY)!;
    const lookup = (schema: string | undefined, table: string) => findTable(catalog, schema, table)?.columns.map((c) => c.name);
    const inferred = inferConstants(parseStatement(w, lookup), w, catalog);
    expect(inferred).toEqual([expect.objectContaining({ param: 1, value: "'pending'" })]);
    const { candidates } = generateCandidates([parseStatement(w, lookup, { inferred })], catalog, { maxColumns: 3 });
    expect(candidates.some((c) => c.table === 'jobs' && c.where === PARTIAL.where)).toBe(true);
  });
});

describe('assumed range bounds', () => {
  let db: TestDatabase;
  const REPORT = 'SELECT sum(amount) FROM events WHERE created >= $1 AND created < $2';
  beforeAll(async () => {
    db = await createTestDatabase('constants_assumed');
    // Two years of events in random order, and a report over one of them sent with bind
    // parameters: pg_stat_statements shows `$1` and `$2`, and no source here saw them.
    await db.client.query(`
      CREATE TABLE events (id int PRIMARY KEY, created date NOT NULL, amount numeric NOT NULL);
      INSERT INTO events SELECT i, date '2023-01-01' + (hashint4(i) & 1023) % 730, i % 97 FROM generate_series(1, 400000) i;
      ANALYZE events;`);
    await resetStatementStats(db.client);
    for (let i = 0; i < 6; i++) await db.client.query(REPORT, ['2023-01-01', '2024-01-01']);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it("costs two unknown bounds as a tenth of the rows, not the generic plan's 0.5 %, and says so", async () => {
    const result = await advise({ url: db.url, activity: { samples: 0 } });
    const s = result.statements.find((x) => x.query === REPORT)!;
    expect(s.recovered?.map((r) => [r.param, r.source])).toEqual([
      [1, 'assumed'],
      [2, 'assumed'],
    ]);
    // The generic plan with an index on created: the cut the advisor would have believed before.
    await db.client.query("SELECT hypopg_create_index('CREATE INDEX ON events (created)')");
    await db.client.query('SET plan_cache_mode = force_generic_plan');
    await db.client.query(`PREPARE report(date, date) AS ${REPORT}`);
    const plan = await db.client.query<{ 'QUERY PLAN': Array<{ Plan: { 'Total Cost': number } }> }>(
      "EXPLAIN (FORMAT JSON) EXECUTE report('2023-01-01', '2024-01-01')",
    );
    await db.client.query('DEALLOCATE report; RESET plan_cache_mode; SELECT hypopg_reset()');
    const generic = plan.rows[0]!['QUERY PLAN'][0]!.Plan['Total Cost'];
    const chosen = result.recommendations.find((r) => r.candidate.table === 'events' && r.candidate.columns[0]?.column === 'created');
    // A tenth of the rows read through the index costs far more than the generic plan's 0.5 %.
    expect(s.costAfter).toBeGreaterThan(1.3 * generic);
    if (chosen) expect(chosen.statements.find((x) => x.statementId === s.statementId)?.costAfter).toBeGreaterThan(1.3 * generic);
  }, 120_000);
});
