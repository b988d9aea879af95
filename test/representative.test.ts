// The second costing: a generic plan prices `col = $1` for an average value; with representative
// values from pg_stats the advisor shows what the statement costs for values the table really has,
// and flags where the two disagree about the advice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/advise.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let result: AdviceResult;

const statement = (sql: string) => result.statements.find((s) => s.query === sql)!;

beforeAll(async () => {
  db = await createTestDatabase('representative');
  await db.client.query(`
    CREATE TABLE tickets (id int PRIMARY KEY, state text NOT NULL, account_id int NOT NULL, opened_at timestamptz NOT NULL);
    -- 'closed' is 97 % of the rows, four other states share the rest: all five are most-common values.
    INSERT INTO tickets SELECT i,
           CASE WHEN i % 100 < 97 THEN 'closed' ELSE (ARRAY['open','pending','hold','new'])[1 + i % 4] END,
           i % 20000, '2024-01-01'::timestamptz + (i % 365) * interval '1 day'
      FROM generate_series(1, 300000) i;
    ANALYZE tickets;`);
  await resetStatementStats(db.client);
  for (let i = 0; i < 20; i++) {
    await db.client.query('SELECT id, opened_at FROM tickets WHERE account_id = $1', [i]);
    await db.client.query('SELECT id, account_id FROM tickets WHERE state = $1', ['open']);
    await db.client.query('SELECT count(*) FROM tickets WHERE opened_at >= $1', ['2024-12-01']);
  }
  result = await advise({ url: db.url, minImprovement: 0.3 });
}, 180_000);

afterAll(async () => {
  await db?.drop();
});

describe('costing with representative values', () => {
  it('costs a selective equality the same way both ways', () => {
    const s = statement('SELECT id, opened_at FROM tickets WHERE account_id = $1');
    expect(s.representative).toBeDefined();
    expect(s.representative!.values.$1).toMatch(/^'\d+'$/);
    expect(s.representative!.costAfter).toBeLessThan(s.representative!.costBefore * 0.1);
    expect(s.representative!.agrees).toBe(true);
  });

  it("takes range bounds from the histogram (a tenth of the rows for '>=')", () => {
    const s = statement('SELECT count(*) FROM tickets WHERE opened_at >= $1');
    expect(s.representative?.values.$1).toMatch(/^'2024-1[12]-/);
  });

  it('flags the skewed column: the generic plan (a fifth of the rows) likes an index the common value gains nothing from', () => {
    const s = statement('SELECT id, account_id FROM tickets WHERE state = $1');
    expect(s.costAfter!).toBeLessThan(s.costBefore! * 0.7); // generic: 1 of 5 values → a bitmap scan pays
    expect(s.representative).toMatchObject({ values: { $1: "'closed'" }, agrees: false });
    expect(s.representative!.costAfter).toBe(s.representative!.costBefore); // 97 % of the rows: still a seq scan
    expect(result.warnings.join('\n')).toMatch(/1 statement\(s\) gain differently .* representative values/);
  });
});
