// Issue 10: every statement the server can plan, the advisor can plan. Against the real server:
// writes costed through the SELECT that finds their rows (so a role with only SELECT advises on
// them, at the same cost the write's own plan has), parameters retyped by SQLSTATE, and normalized
// text that the deparser used to print wrong.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/advise.js';
import { ensureParser } from '../src/parse/parser.js';
import { parseStatement } from '../src/parse/parseStatement.js';
import type { IndexCandidate } from '../src/types.js';
import { WhatIfSession } from '../src/verify/whatIfSession.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { candidate } from './support/fixtures.js';

let db: TestDatabase;
let admin: WhatIfSession;
let readOnly: WhatIfSession;
let readOnlyUrl: string;
const role = `pgia_select_only_${randomBytes(4).toString('hex')}`;

const columns: Record<string, string[]> = {
  orders: ['id', 'customer_id', 'status', 'created_at', 'total'],
  customers: ['id', 'email', 'country'],
  audit: ['id', 'order_id', 'note'],
};
const parsed = (query: string) => parseStatement({ id: query, query }, (_s, t) => columns[t]);

beforeAll(async () => {
  await ensureParser();
  db = await createTestDatabase('planning');
  await db.client.query(`
    CREATE TABLE customers (id int PRIMARY KEY, email text, country text);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, created_at timestamptz, total numeric);
    CREATE TABLE audit (id serial PRIMARY KEY, order_id int, note text);
    INSERT INTO customers SELECT i, 'c' || i || '@example.com', (ARRAY['DE', 'FR', 'US'])[1 + i % 3] FROM generate_series(1, 5000) i;
    INSERT INTO orders SELECT i, 1 + i % 5000, (ARRAY['new', 'paid', 'shipped'])[1 + i % 3], now() - i * interval '1 minute', i % 500
      FROM generate_series(1, 100000) i;
    ANALYZE;
    CREATE ROLE ${role} LOGIN;
    GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role};`);
  const u = new URL(db.url);
  u.username = role;
  u.password = '';
  readOnlyUrl = u.toString();
  admin = await WhatIfSession.open(db.url);
  readOnly = await WhatIfSession.open(readOnlyUrl);
}, 60_000);

afterAll(async () => {
  await readOnly?.close();
  await admin?.close();
  await db?.drop();
  const c = new pg.Client({ connectionString: db.url.replace(/\/[^/]*$/, '/postgres') });
  await c.connect();
  await c.query(`DROP ROLE IF EXISTS ${role}`).finally(() => c.end());
});

/** Total cost of the write's own generic plan, EXPLAINed by the superuser. */
async function ownCost(query: string, params: number): Promise<number> {
  const c = db.client;
  await c.query('BEGIN');
  try {
    await c.query('SET LOCAL plan_cache_mode = force_generic_plan');
    await c.query(`PREPARE own AS ${query}`);
    const r = await c.query(`EXPLAIN (FORMAT JSON) EXECUTE own(${Array(params).fill('NULL').join(', ')})`);
    return r.rows[0]['QUERY PLAN'][0].Plan['Total Cost'];
  } finally {
    await c.query('ROLLBACK');
    await c.query('DEALLOCATE ALL');
  }
}

const byCustomer: IndexCandidate = candidate('orders', ['customer_id']);

describe('writes, with a role that has only SELECT', () => {
  const writes: Array<[string, number]> = [
    [`UPDATE orders SET status = $1 WHERE customer_id = $2`, 2],
    [`DELETE FROM orders WHERE customer_id = $1 AND status = $2`, 2],
    [`DELETE FROM orders o USING customers c WHERE o.customer_id = c.id AND c.email = $1 RETURNING o.id`, 1],
    [
      `UPDATE orders o SET total = (SELECT count(*) FROM audit a WHERE a.order_id = o.id) FROM customers c WHERE c.id = o.customer_id AND c.country = $1`,
      1,
    ],
    [`INSERT INTO audit (order_id, note) SELECT id, $1 FROM orders WHERE customer_id = $2`, 2],
    [`INSERT INTO audit (order_id, note) VALUES ($1, $2)`, 2],
    [`MERGE INTO orders o USING customers c ON o.customer_id = c.id AND c.email = $1 WHEN MATCHED THEN UPDATE SET status = 'x'`, 1],
    [
      `MERGE INTO audit a USING (SELECT id FROM orders WHERE customer_id = $1) s ON a.order_id = s.id
       WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (order_id) VALUES (s.id)`,
      1,
    ],
  ];

  it('EXPLAIN of the write itself is refused to that role (42501)', async () => {
    const c = new pg.Client({ connectionString: readOnlyUrl });
    await c.connect();
    try {
      await expect(c.query(`EXPLAIN DELETE FROM orders WHERE id = 1`)).rejects.toMatchObject({ code: '42501' });
    } finally {
      await c.end();
    }
  });

  it('costs each write through its row-finding SELECT, at the cost of the write’s own plan, and says so', async () => {
    for (const [query, params] of writes) {
      const p = parsed(query);
      expect(p.notes?.join(' ')).toMatch(/costed through/);
      const r = await readOnly.cost(p);
      expect(r, query).toMatchObject({ ok: true });
      if (!r.ok) continue;
      // The same plan; the write also casts its SET values to the columns' types (count(*) to
      // numeric: a cpu_operator_cost a row, 3 % here), which no index changes.
      const own = await ownCost(query, params);
      expect(Math.abs(r.cost - own) / own, `${query}: ${r.cost} vs ${own}`).toBeLessThan(0.05);
    }
  });

  it('sees what a hypothetical index does for the write', async () => {
    const p = parsed(`UPDATE orders SET status = $1 WHERE customer_id = $2`);
    const before = await readOnly.cost(p);
    await readOnly.useIndexes([byCustomer]);
    const after = await readOnly.cost(p);
    const used = after.ok ? after.indexesUsed.map((n) => readOnly.keyOfIndexName(n) ?? n) : [];
    await readOnly.useIndexes([]);
    expect(before.ok && after.ok && after.cost < before.cost / 10).toBe(true);
    expect(used).toEqual(['orders(customer_id)']);
  });

  it('advises on the writes of a workload, as that role', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgia-planning-'));
    try {
      const file = path.join(dir, 'writes.json');
      writeFileSync(
        file,
        JSON.stringify([
          { query: 'UPDATE orders SET status = $1 WHERE customer_id = $2', calls: 500 },
          { query: 'DELETE FROM orders WHERE customer_id = $1 AND status = $2', calls: 100 },
        ]),
      );
      const r = await advise({ url: readOnlyUrl, workloadFile: file, concurrency: 1 });
      expect(r.notAdvisable).toEqual([]);
      expect(r.statements.map((s) => s.notes?.some((n) => n.startsWith('costed through')))).toEqual([true, true]);
      expect(r.recommendations.map((x) => x.definition)).toEqual([expect.stringMatching(/ON public\.orders .*\(customer_id/)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('leaves a write on a target that is not a table of the catalog as it is (a view has no ctid)', () => {
    const p = parseStatement({ id: 'v', query: 'UPDATE order_view SET status = $1 WHERE id = $2' }, (_s, t) => columns[t]);
    expect(p.explainText).toMatch(/^UPDATE order_view/);
    expect(p.notes).toBeUndefined();
  });
});

describe('parameter types the server rejects are declared again', () => {
  it.each([
    [
      'a function none of whose signatures takes the guess (numeric for make_interval’s integer)',
      `SELECT id FROM orders WHERE created_at > now() - make_interval(hours => $1 * $2)`,
    ],
    ['a parameter nothing types (42P18)', `SELECT jsonb_build_object($1, status) FROM orders WHERE id = $2`],
    ['an operator no signature of which takes the guess', `SELECT id FROM orders WHERE created_at > $1 + $2`],
    ['a function more than one signature takes (42725)', `SELECT id FROM orders WHERE date_trunc($1, $2) = created_at`],
  ])('%s', async (_what, query) => {
    const p = parsed(query);
    expect(await admin.cost(p)).toMatchObject({ ok: true });
  });
});

describe('normalized text the deparser printed wrong', () => {
  it('plans INSERT … SELECT with a subscripted ARRAY[...] from pg_stat_statements', async () => {
    const p = parsed(
      `INSERT INTO orders (id, customer_id, status, created_at, total) SELECT $1 + g, $2 + g % $3, (ARRAY[$4, $5, $6])[$7 + g % $8], ` +
        `now(), $9 FROM generate_series($10, $11) g`,
    );
    expect(p.explainText).toContain('(ARRAY[$4, $5, $6])');
    expect(await admin.cost(p)).toMatchObject({ ok: true });
  });
});
