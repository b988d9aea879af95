// What differs between the server versions of the matrix (15, 17, 18: `npm run test:matrix`), on
// whichever server this run has: how a `$n` statement is costed (EXPLAIN (GENERIC_PLAN) on 16+,
// PREPARE + EXPLAIN EXECUTE before), the shape of pg_stat_statements (17 renames the block-time
// columns and adds stats_since; 18 folds constant lists into `IN ($1 /*, ... */)`), and the audit.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/advise.js';
import { audit } from '../src/audit/audit.js';
import { harvestPgStatStatements } from '../src/harvest/pgStatStatements.js';
import { ensureParser } from '../src/parse/parser.js';
import { parseStatement } from '../src/parse/parseStatement.js';
import { PlanCoster } from '../src/verify/planCoster.js';
import { createTestDatabase, resetStatementStats, type TestDatabase, vacuumAnalyze } from './support/db.js';

let db: TestDatabase;
let major = 0;

beforeAll(async () => {
  await ensureParser();
  db = await createTestDatabase('versions');
  const v = await db.client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  major = Math.floor(Number(v.rows[0]!.v) / 10000);
  await db.client.query(`
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, status text NOT NULL, note jsonb);
    INSERT INTO orders SELECT i, i % 5000, CASE WHEN i % 100 = 0 THEN 'open' ELSE 'done' END, NULL FROM generate_series(1, 100000) i;
    CREATE INDEX orders_status_unused ON orders (status);
    CREATE INDEX orders_status_copy ON orders (status);`);
  await vacuumAnalyze(db.client, 'orders');
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

/** A PlanCoster whose SQL is recorded, to see which costing path it took. */
function recordingCoster(): { coster: PlanCoster; sent: string[] } {
  const sent: string[] = [];
  const client = db.client;
  const query = client.query.bind(client) as (text: string) => Promise<pg.QueryResult>;
  const recorder = Object.create(client) as pg.Client;
  (recorder as unknown as { query: (text: string) => Promise<pg.QueryResult> }).query = (text: string) => {
    sent.push(text);
    return query(text);
  };
  return { coster: new PlanCoster(recorder, major), sent };
}

describe('generic-plan costing', () => {
  it('costs a $n statement by its generic plan (GENERIC_PLAN on 16+, PREPARE before), with a hypothetical index', async () => {
    const { coster, sent } = recordingCoster();
    const stmt = { id: 'by-customer', explainText: 'SELECT * FROM orders WHERE customer_id = $1', paramCount: 1 };
    const before = await coster.cost(stmt);
    await db.client.query(`SELECT hypopg_create_index('CREATE INDEX ON orders (customer_id)')`);
    try {
      const after = await coster.cost(stmt);
      expect(before.ok && after.ok).toBe(true);
      if (!before.ok || !after.ok) return;
      expect(after.cost).toBeLessThan(before.cost / 10);
      expect(after.indexesUsed.join()).toMatch(/btree_orders_customer_id/);
    } finally {
      await db.client.query('SELECT hypopg_reset()');
    }
    if (major >= 16) expect(sent.every((q) => /EXPLAIN \(FORMAT JSON, GENERIC_PLAN\)/.test(q))).toBe(true);
    else expect(sent.some((q) => /PREPARE \w+\(unknown\) AS SELECT/.test(q))).toBe(true);
  });

  it('costs statements whose parameter types only the server can infer, and one it must be told (42P18, retyped as text)', async () => {
    const { coster } = recordingCoster();
    // The server infers $1 int (the column) and $2 text (the operator's other side).
    const inferred = await coster.cost({
      id: 'two',
      explainText: 'SELECT id FROM orders WHERE customer_id = $1 AND status = $2',
      paramCount: 2,
    });
    expect(inferred.ok).toBe(true);
    // Nothing types $1 in jsonb_build_object: the server refuses it until it is declared.
    const untyped = await coster.cost({
      id: 'json',
      explainText: 'SELECT jsonb_build_object($1, id) FROM orders WHERE customer_id = $2',
      paramCount: 2,
    });
    expect(untyped).toMatchObject({ ok: true });
  });
});

describe('pg_stat_statements of this version', () => {
  beforeAll(async () => {
    await resetStatementStats(db.client);
    // Constant lists of two lengths, sent as text (the simple protocol), as an ORM writes them.
    await db.client.query('SELECT id, status FROM orders WHERE customer_id IN (1, 2, 3)');
    await db.client.query('SELECT id, status FROM orders WHERE customer_id IN (4, 5, 6, 7, 8)');
    for (let i = 0; i < 3; i++) await db.client.query('SELECT id FROM orders WHERE customer_id = $1', [i]);
  });

  it("has this version's columns", async () => {
    const cols = await db.client.query<{ attname: string }>(
      "SELECT attname FROM pg_attribute WHERE attrelid = 'pg_stat_statements'::regclass AND attnum > 0",
    );
    const has = new Set(cols.rows.map((r) => r.attname));
    // 17 renamed blk_read_time to shared_blk_read_time (and added local_ and stats_since).
    expect(has.has('shared_blk_read_time')).toBe(major >= 17);
    expect(has.has('blk_read_time')).toBe(major < 17);
    expect(has.has('stats_since')).toBe(major >= 17);
    expect(has.has('total_exec_time')).toBe(true);
  });

  it('harvests the statements, with the constant lists folded into one entry on 18 and one per length before', async () => {
    const workload = await harvestPgStatStatements(db.client, db.url);
    const inLists = workload.statements.filter((s) => /customer_id IN \(/.test(s.query));
    if (major >= 18) {
      expect(inLists.map((s) => s.query)).toEqual(['SELECT id, status FROM orders WHERE customer_id IN ($1 /*, ... */)']);
      expect(inLists[0]!.calls).toBe(2);
    } else {
      expect(inLists.map((s) => s.query).sort()).toEqual([
        'SELECT id, status FROM orders WHERE customer_id IN ($1, $2, $3)',
        'SELECT id, status FROM orders WHERE customer_id IN ($1, $2, $3, $4, $5)',
      ]);
    }
    const byParam = workload.statements.find((s) => s.query === 'SELECT id FROM orders WHERE customer_id = $1');
    expect(byParam).toMatchObject({ calls: 3 });
    expect(byParam!.totalExecMs).toBeGreaterThan(0);

    // Each harvested text parses to something the server can plan (the folded list too).
    const { coster } = recordingCoster();
    for (const s of inLists) {
      const parsed = parseStatement(s);
      expect(parsed.error, s.query).toBeUndefined();
      // A folded list has lost its length: it is costed as ten values, not as one.
      expect(parsed.paramCount).toBe(major >= 18 ? 10 : (s.query.match(/\$\d+/g) ?? []).length);
      expect(parsed.tables.map((t) => t.table)).toEqual(['orders']);
      const cost = await coster.cost({ id: s.id, explainText: parsed.explainText!, paramCount: parsed.paramCount });
      expect(cost, s.query).toMatchObject({ ok: true });
    }
  });

  it('advises the index the IN list needs, from what pg_stat_statements holds', async () => {
    const result = await advise({ url: db.url, activity: { samples: 0 } });
    expect(result.notAdvisable).toEqual([]);
    expect(result.recommendations.map((r) => r.definition)).toContainEqual(
      expect.stringMatching(/ON public\.orders (USING btree )?\(customer_id/),
    );
  }, 120_000);
});

describe('audit', () => {
  beforeAll(async () => {
    await db.client.query(`
      CREATE TABLE seen (id int, a int);
      INSERT INTO seen SELECT i, i % 500 FROM generate_series(1, 20000) i;
      CREATE INDEX seen_a ON seen (a);
      ANALYZE seen;
      SET enable_seqscan = off;
      SET enable_bitmapscan = off;`);
    for (let i = 0; i < 3; i++) await db.client.query('SELECT count(*) FROM seen WHERE a = $1', [i]);
    await db.client.query('RESET enable_seqscan; RESET enable_bitmapscan');
    // The counters (and last_idx_scan) reach pg_stat_user_indexes when the backend flushes them: now.
    await db.client.query('SELECT pg_stat_force_next_flush()');
  });

  it('reads last_idx_scan on 16+ and calls an index unused by it, whatever its scan count; before 16 only the count decides', async () => {
    const stored = await db.client.query<{ scans: number; last: Date | null }>(
      major >= 16
        ? "SELECT idx_scan::int AS scans, last_idx_scan AS last FROM pg_stat_user_indexes WHERE indexrelname = 'seen_a'"
        : "SELECT idx_scan::int AS scans, NULL::timestamptz AS last FROM pg_stat_user_indexes WHERE indexrelname = 'seen_a'",
    );
    expect(stored.rows[0]!.scans).toBe(3);
    // A window of a few microseconds: the scans above are older than that, so on 16+ the index counts as unused.
    const r = await audit({ urls: [db.url], minStatsAgeDays: 0, lastScanAgeDays: 1e-9 });
    const f = r.findings.find((x) => x.index === 'seen_a');
    if (major >= 16) {
      expect(f).toMatchObject({ kind: 'unused', action: 'drop' });
      expect(f!.evidence).toMatchObject({ scans: 3, lastScanAgeDays: 1e-9 });
      // The finding's last scan is the stored one (to the millisecond the audit reads it with).
      expect(Math.abs(Date.parse(String(f!.evidence.lastIdxScan)) - stored.rows[0]!.last!.getTime())).toBeLessThanOrEqual(1);
      expect(f!.summary).toMatch(/was last used \d+ minutes? ago, beyond 0 minutes \(--last-scan-age\), though it counts 3 scans/);
    } else {
      expect(f).toBeUndefined();
    }
    // With the default window (30 days) an index scanned a moment ago is in use on every version.
    const byDefault = await audit({ urls: [db.url], minStatsAgeDays: 0 });
    expect(byDefault.findings.find((x) => x.index === 'seen_a')).toBeUndefined();
    expect(byDefault.settings).toMatchObject({ lastScanAgeDays: 30 });
  });

  it('finds the duplicate and the unused index', async () => {
    const r = await audit({ urls: [db.url], minStatsAgeDays: 0 });
    expect(r.serverVersion).toBe(major);
    const kinds = r.findings.map((f) => `${f.kind}:${f.index ?? f.table}`);
    expect(kinds).toContainEqual(expect.stringMatching(/^duplicate:orders_status_(unused|copy)$/));
    expect(r.findings.some((f) => f.kind === 'unused')).toBe(true);
  });
});

describe('skip scan (18): an existing (a, b) serves b = $1 when a has few values', () => {
  let dir: string;
  beforeAll(async () => {
    await db.client.query(`
      CREATE TABLE skips (id int, a int, b int, pad text);
      INSERT INTO skips SELECT i, i % 3, (i * 7919) % 60000, repeat('x', 40) FROM generate_series(1, 60000) i;
      CREATE INDEX skips_a_b ON skips (a, b);`);
    await vacuumAnalyze(db.client, 'skips');
    dir = await mkdtemp(path.join(tmpdir(), 'pgia-skip-'));
    await writeFile(path.join(dir, 'workload.sql'), '-- calls: 1000\nSELECT * FROM skips WHERE b = $1;\n');
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('proposes no (b) on 18, where the planner reads (a, b) by a skip scan; proposes it before 18', async () => {
    const plan = await db.client.query(
      major >= 16 ? 'EXPLAIN (GENERIC_PLAN) SELECT * FROM skips WHERE b = $1' : 'EXPLAIN SELECT * FROM skips WHERE b = 42',
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    const result = await advise({ url: db.url, workloadFile: path.join(dir, 'workload.sql'), activity: { samples: 0 } });
    const onB = result.recommendations.filter((r) => /ON public\.skips (USING btree )?\(b\)/.test(r.definition));
    if (major >= 18) {
      // The premise: 18 already answers the lookup through (a, b), three searches of the index.
      expect(text).toMatch(/Index Scan using skips_a_b/);
      expect(onB).toEqual([]);
      expect(result.warnings.join('\n')).toMatch(
        /public\.skips \(b\) not proposed: on PostgreSQL 18 the existing index skips_a_b serves its lookups by a skip scan over a \(3 index searches/,
      );
    } else {
      expect(onB).toHaveLength(1);
    }
  }, 120_000);

  it('the audit reports a (b) beside (a, b) for review on 18 only, and never drops it', async () => {
    await db.client.query('CREATE INDEX skips_b ON skips (b)');
    await vacuumAnalyze(db.client, 'skips');
    // Statistics younger than --min-stats-age: no index is unused, so the redundancy rules alone decide.
    const r = await audit({ urls: [db.url], schemas: ['public'] });
    const onB = r.findings.filter((f) => f.index === 'skips_b' && f.kind === 'redundant');
    if (major >= 18) {
      expect(onB).toEqual([
        expect.objectContaining({ action: 'review', evidence: expect.objectContaining({ skipScanOver: 'a', skipScanSearches: 3 }) }),
      ]);
      expect(onB[0]!.upSql.every((l) => l.startsWith('--'))).toBe(true);
    } else {
      expect(onB).toEqual([]);
    }
  });
});

describe("the advisor's own statements in pg_stat_statements", () => {
  it('are known by their marker on every version: 18 stores a statement without its leading comment', async () => {
    await db.client.query('CREATE TABLE dups (id int, k int); INSERT INTO dups SELECT i, i % 10 FROM generate_series(1, 100) i');
    // A failed unique build leaves an INVALID index, whose duplicate keys the audit counts by reading the table.
    await expect(db.client.query('CREATE UNIQUE INDEX CONCURRENTLY dups_k ON dups (k)')).rejects.toMatchObject({ code: '23505' });
    await resetStatementStats(db.client);
    await db.client.query('/* pg-index-advisor */ SELECT count(*) FROM dups WHERE k = 1');
    const stored = await db.client.query<{ query: string }>(
      "SELECT query FROM pg_stat_statements WHERE query LIKE '%FROM dups WHERE k%' AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())",
    );
    expect(stored.rows.map((r) => r.query)).toEqual([
      major >= 18 ? 'SELECT count(*) FROM dups WHERE k = $1' : '/* pg-index-advisor */ SELECT count(*) FROM dups WHERE k = $1',
    ]);

    const r = await audit({ urls: [db.url], schemas: ['public'] });
    expect(r.findings.find((f) => f.index === 'dups_k')?.evidence).toMatchObject({ duplicatedKeyValues: 10 });
    const workload = await harvestPgStatStatements(db.client, db.url);
    // The audit's read of the table is its own, not the workload's (the hand-marked line above shows what 18 would lose).
    expect(workload.statements.filter((s) => /GROUP BY/.test(s.query))).toEqual([]);
    expect(workload.skipped.filter((s) => /FROM public\.dups/.test(s.query)).map((s) => s.reason)).toEqual(["the advisor's own statement"]);
  });
});
