// The whole pipeline against a real server: pg_stat_statements filled by real executions,
// hypothetical indexes, and the advice a DBA would give for this schema.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise, type TickInfo } from '../src/advise.js';
import { quoteIdent } from '../src/db/quote.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let result: AdviceResult;

const columnsOf = (r: AdviceResult) =>
  r.recommendations.map(
    (x) => `${quoteIdent(x.candidate.table)}(${x.candidate.columns.map((c) => c.sql + (c.descending ? ' DESC' : '')).join(', ')})`,
  );

beforeAll(async () => {
  db = await createTestDatabase('advise');
  const c = db.client;
  await c.query(`
    CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, country text NOT NULL);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL REFERENCES customers, status text NOT NULL,
                         created_at timestamptz NOT NULL, total numeric NOT NULL);
    CREATE TABLE "Audit Log" (id int PRIMARY KEY, "userId" int NOT NULL, note text);
    SELECT setseed(0.5);
    INSERT INTO customers SELECT i, 'user' || i || '@example.com', (ARRAY['de','fr','us'])[1 + i % 3] FROM generate_series(1, 50000) i;
    INSERT INTO orders SELECT i, 1 + (i * 7919) % 50000, (ARRAY['new','paid','shipped','done'])[1 + i % 4],
                              '2024-01-01'::timestamptz + (i * 37 % 700) * interval '1 day', i % 1000
                         FROM generate_series(1, 200000) i;
    INSERT INTO "Audit Log" SELECT i, i % 20000, 'n' FROM generate_series(1, 100000) i;
    ANALYZE;`);
  await resetStatementStats(db.client);
  // Real executions through the extended protocol, as an application would send them.
  for (let i = 1; i <= 40; i++) {
    await c.query('SELECT id, total FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 10', [i * 13]);
    await c.query('SELECT id FROM customers WHERE email = $1', [`user${i}@example.com`]);
    await c.query('SELECT id, total FROM orders WHERE status = $1', ['paid']);
    await c.query('SELECT * FROM orders WHERE id = $1', [i]);
    await c.query('SELECT note FROM "Audit Log" WHERE "userId" = $1', [i]);
  }
  await c.query('SELECT country, count(*) FROM customers GROUP BY country');
  // One statement the server cannot plan any more (its table is gone) must not stop the rest.
  await c.query('CREATE TABLE scratch (a int); SELECT * FROM scratch WHERE a = 1; DROP TABLE scratch;');
  result = await advise({
    url: db.url,
    concurrency: 2,
    progress: { stage: (name) => void stages.push(name), tick: (_d, _done, _total, info) => void (info && ticks.push(info)), done() {} },
  });
}, 240_000);

const stages: string[] = [];
const ticks: TickInfo[] = [];

afterAll(async () => {
  await db?.drop();
});

describe('advise against pg_stat_statements', () => {
  it('recommends the b-tree indexes the workload needs', () => {
    const recs = columnsOf(result);
    expect(recs).toContain('customers(email)');
    expect(recs.some((r) => r.startsWith('orders(customer_id'))).toBe(true);
    expect(recs).toContain('"Audit Log"("userId")');
  });

  it('recommends nothing where a sequential scan is right or an index exists', () => {
    const recs = columnsOf(result);
    expect(recs.filter((r) => r.includes('status'))).toEqual([]);
    expect(recs.filter((r) => r.includes('country'))).toEqual([]);
    expect(recs.filter((r) => r === 'orders(id)')).toEqual([]);
    expect(result.recommendations).toHaveLength(3);
  });

  it('shows per statement the cost before and after, and a size estimate', () => {
    for (const r of result.recommendations) {
      expect(r.estimatedBytes).toBeGreaterThan(8192);
      expect(r.verified).toBe(true);
      expect(r.statements.length).toBeGreaterThan(0);
      for (const s of r.statements) expect(s.costAfter).toBeLessThan(s.costBefore * 0.5);
    }
    expect(result.workloadCostAfter).toBeLessThan(result.workloadCostBefore);
    expect(result.whatIfCalls).toBeGreaterThan(0);
  });

  it('lists the statement it could not plan with the reason, and skips utility and own statements', () => {
    const bad = result.notAdvisable.find((n) => n.query.includes('scratch'));
    expect(bad?.reason).toMatch(/relation "scratch" does not exist/);
    expect(result.skipped.some((s) => /utility/.test(s.reason))).toBe(true);
    expect(result.statements.some((s) => /pg_stat_statements|hypopg/.test(s.query))).toBe(false);
  });

  it('leaves the target unchanged: no real index was created', async () => {
    const r = await db.client.query(`SELECT count(*)::int AS n FROM pg_indexes WHERE schemaname = 'public'`);
    expect(r.rows[0].n).toBe(3); // the three primary keys
  });

  it('reports progress as data: each phase in order, with the what-if calls made so far', () => {
    expect(stages[0]).toBe('reading catalog and workload');
    const phases = [...new Set(ticks.map((t) => t.phase))];
    expect(phases[0]).toBe('screening pass 1');
    const firstRound = phases.indexOf('selection, round 1 (0 chosen)');
    expect(firstRound).toBeGreaterThan(0);
    expect(phases.slice(0, firstRound).every((p) => p.startsWith('screening pass '))).toBe(true);
    expect(phases).toContain('crediting each index');
    const calls = ticks.map((t) => t.whatIfCalls);
    expect(calls).toEqual([...calls].sort((a, b) => a - b));
    expect(calls.at(-1)).toBeLessThanOrEqual(result.whatIfCalls);
    expect(calls.at(-1)).toBeGreaterThan(0);
  });
});
