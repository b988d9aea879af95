// The GIN/GiST cost model against the real planner (tools/ginmodel/cases.ts): for every case, at
// high and low selectivity, with the default settings and with settings that make plans parallel, the model's verdict (index used or not) is the planner's once the
// index is built for real, and where the index wins its cost is within ±30 % (or 50 units) of the
// real plan's. Then the model in the advice: chosen by default, labelled, created by the
// migration, and within --budget and --max-indexes together with the hypothetical set.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/advise.js';
import { adviceMarkdown } from '../src/report/markdown.js';
import { migrationUp } from '../src/report/migration.js';
import type { AdviceResult } from '../src/types.js';
import { CASES, type ModelRow, runModelCases, withinTolerance } from '../tools/ginmodel/cases.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let rows: ModelRow[];
const workDir = mkdtempSync(path.join(tmpdir(), 'pgia-ginmodel-'));

beforeAll(async () => {
  db = await createTestDatabase('ginmodel');
  rows = [...(await runModelCases(db.client)), ...(await runModelCases(db.client, CASES, { plans: 'parallel' }))];
}, 300_000);

afterAll(async () => {
  await db?.drop();
  rmSync(workDir, { recursive: true, force: true });
});

describe('the cost model against the real planner', () => {
  it('covers every case at high and low selectivity, with default and parallel plans, and both verdicts occur', () => {
    expect(rows).toHaveLength(CASES.length * 4);
    for (const c of CASES)
      for (const plans of ['default', 'parallel'])
        expect(rows.filter((r) => r.case === c.name && r.plans === plans).map((r) => r.selectivity)).toEqual(['high', 'low']);
    expect(rows.filter((r) => r.plans === 'parallel' && /Gather/.test(r.detail)).length).toBeGreaterThan(CASES.length);
    expect(rows.some((r) => r.realUses)).toBe(true);
    expect(rows.some((r) => !r.realUses)).toBe(true);
  });

  it("gives the planner's verdict in every case: index used or not", () => {
    const wrong = rows.filter((r) => r.modelUses !== r.realUses).map((r) => `${r.case} (${r.selectivity}, ${r.plans}): ${r.detail}`);
    expect(wrong).toEqual([]);
  });

  it("is within ±30 % (or 50 cost units) of the real plan's cost where the index wins", () => {
    const off = rows
      .filter((r) => r.realUses && !withinTolerance(r.modelCost, r.realCost))
      .map((r) => `${r.case} (${r.selectivity}, ${r.plans}): model ${r.modelCost.toFixed(1)}, real ${r.realCost.toFixed(1)}`);
    expect(off).toEqual([]);
  });

  it('estimates index sizes within a factor of 4 of the real build (what the budget counts)', () => {
    for (const r of rows) {
      expect(r.modelBytes, r.case).toBeGreaterThan(r.realBytes / 4);
      expect(r.modelBytes, r.case).toBeLessThan(r.realBytes * 4);
    }
  });
});

describe('the model in the advice (no --verify-real)', () => {
  const workload = [
    { sql: `SELECT id FROM gm_docs WHERE attributes @> '{"sku": "sku-42"}'`, calls: 500 },
    { sql: 'SELECT id FROM gm_bookings WHERE during && int4range(5000, 5100)', calls: 300 },
    // a parameter, as pg_stat_statements shows it (with a constant, a b-tree on the expression word <-> '…' would serve it)
    { sql: 'SELECT id FROM gm_names ORDER BY word <-> $1 LIMIT 10', calls: 200 },
    { sql: `SELECT id FROM gm_names WHERE name ILIKE '%item%'`, calls: 100 },
  ];
  let result: AdviceResult;
  let capped: AdviceResult;
  let budgeted: AdviceResult;
  const file = path.join(workDir, 'w.sql');

  beforeAll(async () => {
    writeFileSync(file, workload.map((s) => `-- calls: ${s.calls}\n${s.sql};\n`).join('\n'));
    result = await advise({ url: db.url, workloadFile: file });
    capped = await advise({ url: db.url, workloadFile: file, maxIndexes: 2 });
    budgeted = await advise({ url: db.url, workloadFile: file, budgetBytes: 6_000_000 });
  }, 120_000);

  const defs = (r: AdviceResult) => r.recommendations.map((x) => x.definition.replace(/^CREATE INDEX \S+ /, '')).sort();

  it('chooses GIN for jsonb @>, GiST for range && and for trigram KNN, nothing for a pattern every row matches', () => {
    expect(defs(result)).toEqual([
      'ON public.gm_bookings USING gist (during)',
      'ON public.gm_docs USING gin (attributes jsonb_path_ops)',
      'ON public.gm_names USING gist (word gist_trgm_ops)',
    ]);
  });

  it('labels them "estimated (cost model)", apart from hypopg and real builds, and the migration creates them', () => {
    for (const r of result.recommendations) {
      expect(r.verifiedBy).toBe('model');
      expect(r.verified).toBe(false);
      expect(r.verification).toMatch(/^estimated \(cost model\)/);
      for (const s of r.statements) expect(s.costAfter).toBeLessThan(s.costBefore * 0.7);
    }
    expect(adviceMarkdown(result)).toMatch(/- Verified: estimated \(cost model\) — /);
    expect(adviceMarkdown(result)).toMatch(/with 3 new indexes/);
    const up = migrationUp(result);
    for (const r of result.recommendations) expect(up).toContain(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${r.name} `);
    expect(up).not.toMatch(/^-- CREATE/m);
  });

  it('respects --max-indexes and --budget, counting the estimated size', () => {
    expect(capped.recommendations).toHaveLength(2);
    const bytes = budgeted.recommendations.reduce((n, r) => n + r.estimatedBytes, 0);
    expect(bytes).toBeLessThanOrEqual(6_000_000);
    expect(budgeted.recommendations.length).toBeGreaterThan(0);
    expect(budgeted.recommendations.length).toBeLessThan(result.recommendations.length);
  });
});
