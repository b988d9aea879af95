// advice.html in a real browser (headless Chromium, test/support/chromiumSetup.ts): the demo's
// report draws its charts with the figures of advice.json, its tables sort on a click, and names
// from the database that look like markup stay text, from a real advise run on such names.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { advise } from '../src/advise.js';
import { formatBytes, formatCost, formatPercent } from '../src/format.js';
import { adviceHtml } from '../src/report/html.js';
import { isCreated } from '../src/report/migration.js';
import { writeAdviceReports } from '../src/report/writeReports.js';
import type { AdviceResult, StatementTimePoint } from '../src/types.js';
import { dumpDom } from '../tools/browser/headless.js';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';
import { type Inspection, inspectReport } from './support/inspectReport.js';

const chromium = inject('chromium');
if (!chromium) console.warn(`advice.html browser tests skipped: ${inject('chromiumMissing')}`);

/** The demo's report as committed (npm run demo wrote it). */
const demo = JSON.parse(readFileSync(new URL('../reports/example/advice.json', import.meta.url), 'utf8')) as AdviceResult;

/** Three past runs of the demo's five costliest statements, the third after the indexes went in. */
const history: StatementTimePoint[] = demo.statements
  .slice(0, 5)
  .flatMap((s, i) =>
    [20, 21, 22].map((d) => ({ date: `2026-11-${d}T02:00:00Z`, statementId: s.statementId, meanMs: (i + 1) * (d < 22 ? 40 : 0.4) })),
  );

const near = (a: number, b: number) => Math.abs(a - b) <= Math.max(1, Math.abs(b) * 0.02);

describe.skipIf(!chromium)('advice.html of the demo in headless Chromium', () => {
  let page: Inspection;
  const created = demo.recommendations.filter(isCreated);

  beforeAll(async () => {
    page = await inspectReport(chromium, adviceHtml(demo, { history }));
  }, 240_000);

  it('shows the headline figures of advice.json', () => {
    const saved = 1 - demo.workloadCostAfter / demo.workloadCostBefore;
    expect(page.title).toBe('Index advice');
    expect(page.figures).toMatchObject({
      'cost-before': formatCost(demo.workloadCostBefore),
      'cost-after': formatCost(demo.workloadCostAfter),
      saved: formatPercent(saved),
      indexes: String(created.length),
      'new-bytes': formatBytes(created.reduce((n, r) => n + r.estimatedBytes, 0)),
      findings: String(demo.audit!.findings.length),
    });
  });

  it('draws the workload cost now and with the advice, bars in proportion', () => {
    const [now, after] = page.charts.cost!.marks;
    expect([now!.value, after!.value]).toEqual([demo.workloadCostBefore, demo.workloadCostAfter]);
    expect(now!.screenWidth).toBeGreaterThan(100);
    expect(near(after!.width / now!.width, demo.workloadCostAfter / demo.workloadCostBefore)).toBe(true);
    expect(now!.fill).not.toBe(after!.fill);
  });

  it("draws each new index's benefit against its size", () => {
    const points = page.charts['benefit-size']!.marks;
    expect(points.map((p) => [p.label, p.x, p.y])).toEqual(created.map((r, i) => [String(i + 1), r.estimatedBytes, r.benefitShare * 100]));
    for (const p of points) expect(p.screenWidth).toBeGreaterThan(4);
    // A larger share is drawn higher (smaller screen y), whatever the axis.
    const byShare = [...created.keys()].sort((a, b) => created[b]!.benefitShare - created[a]!.benefitShare);
    expect(page.charts['benefit-size']!.marks[byShare[0]!]!.y).toBe(created[byShare[0]!]!.benefitShare * 100);
  });

  it('draws the space of the new indexes, one segment each, and what the audit gives back', () => {
    const segments = page.charts.space!.marks;
    expect(segments.map((s) => [s.label, s.value])).toEqual(created.map((r) => [r.name, r.estimatedBytes]));
    const total = created.reduce((n, r) => n + r.estimatedBytes, 0);
    for (const [i, s] of segments.entries())
      expect(near(s.width / segments[0]!.width, created[i]!.estimatedBytes / created[0]!.estimatedBytes)).toBe(true);
    expect(segments.reduce((n, s) => n + s.width, 0)).toBeGreaterThan(0);
    expect(total).toBeGreaterThan(0);
  });

  it('draws the costliest statements, now and with the advice', () => {
    const marks = page.charts.statements!.marks;
    expect(marks).toHaveLength(2 * Math.min(10, demo.statements.filter((s) => s.costBefore !== null).length));
    const top = demo.statements.map((s) => s.calls * (s.costBefore ?? 0)).sort((a, b) => b - a)[0]!;
    expect(marks[0]!.value).toBe(top);
    expect(marks[0]!.screenWidth).toBeGreaterThan(100);
  });

  it('draws statement times across past runs from the history', () => {
    const dots = page.charts.history!.marks;
    expect(dots).toHaveLength(history.length);
    expect(dots.map((d) => d.value).sort((a, b) => a! - b!)).toEqual(history.map((h) => h.meanMs).sort((a, b) => a - b));
    expect(page.empty.history).toBeUndefined();
  });

  it('lists every recommendation and statement with the figures of advice.json', () => {
    const t = page.tables.recommendations!;
    expect(t.headers).toEqual(['#', 'index', 'table', 'type', 'verified', 'benefit', 'share', 'size', 'write cost', 'statements', 'why']);
    expect(t.rows).toHaveLength(created.length);
    for (const [i, r] of created.entries()) {
      const row = t.rows[i]!;
      expect(row[1]).toContain(r.name);
      expect(row[1]).toContain(r.definition);
      expect(row.slice(5, 10)).toEqual([
        formatCost(r.benefit),
        formatPercent(r.benefitShare),
        formatBytes(r.estimatedBytes),
        formatCost(r.writeCost),
        String(r.statements.length),
      ]);
    }
    const st = page.tables.statements!;
    expect(st.rows.map((r) => [r[1], r[3], r[4]])).toEqual(
      demo.statements.map((s) => [String(s.calls), formatCost(s.costBefore), formatCost(s.costAfter)]),
    );
    expect(page.tables.audit!.rows.map((r) => r[0])).toEqual(demo.audit!.findings.map((f) => f.kind));
  });

  it('sorts a table when its header is clicked, and the other way on a second click', () => {
    const bySize = created.map((r, i) => ({ n: String(i + 1), bytes: r.estimatedBytes }));
    const asc = [...bySize].sort((a, b) => a.bytes - b.bytes).map((x) => x.bytes);
    expect(page.sortedBySize.ascending.map((n) => bySize[Number(n) - 1]!.bytes)).toEqual(asc);
    expect(page.sortedBySize.descending.map((n) => bySize[Number(n) - 1]!.bytes)).toEqual([...asc].reverse());
    expect(page.sortedBySize.ariaSort).toEqual(['ascending', 'descending']);
    expect(Object.values(page.tables).every((t) => t.sortReady)).toBe(true);
  });

  it('says "no history yet" where no past run is kept', async () => {
    const bare = await inspectReport(chromium, adviceHtml(demo));
    expect(bare.charts.history).toBeUndefined();
    expect(bare.empty.history).toMatch(/^No history yet/);
    expect(page.charts.space!.limit).toBeNull(); // the demo sets no budget
  }, 240_000);

  it('draws the budget as a line where the new indexes reach it', async () => {
    const total = created.reduce((n, r) => n + r.estimatedBytes, 0);
    const budgeted = await inspectReport(chromium, adviceHtml({ ...demo, budgetBytes: Math.round(total * 0.6) }));
    const space = budgeted.charts.space!;
    const start = space.marks[0]!.left;
    const width = space.marks.reduce((n, s) => n + s.width, 0);
    expect(near((space.limit!.x - start) / width, 0.6)).toBe(true);
    expect(space.limit!.height).toBeGreaterThan(10);
    expect(budgeted.charts['benefit-size']!.limit!.height).toBeGreaterThan(100);
  }, 240_000);

  it("runs the page's own script under its Content Security Policy, and nothing else", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgia-html-'));
    try {
      const out = await writeAdviceReports(demo, dir);
      const dom = await dumpDom(chromium, out.html!);
      expect(dom).toMatch(/<table class="sortable" data-table="recommendations" data-sort-ready="">/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});

describe.skipIf(!chromium)('advice.html on names that look like markup, from a real advise run', () => {
  let db: TestDatabase;
  let page: Inspection;
  let result: AdviceResult;
  const table = '<b data-injected>t</b>';
  const column = `</td><script>document.title='pwned'</script>`;

  beforeAll(async () => {
    db = await createTestDatabase('html_injection');
    const t = `"${table.replace(/"/g, '""')}"`;
    const c = `"${column.replace(/"/g, '""')}"`;
    await db.client.query(`
      CREATE TABLE ${t} (id int PRIMARY KEY, ${c} int NOT NULL, note text);
      INSERT INTO ${t} SELECT i, i % 30000, '<img src=x onerror="document.title=1">' FROM generate_series(1, 150000) i;
      ANALYZE;`);
    await resetStatementStats(db.client);
    for (let i = 0; i < 30; i++) await db.client.query(`SELECT note FROM ${t} WHERE ${c} = $1 /* <img src=y data-injected> */`, [i]);
    result = await advise({ url: db.url });
    page = await inspectReport(chromium, adviceHtml(result));
  }, 240_000);

  afterAll(async () => {
    await db?.drop();
  });

  it('advises on them, and the page shows them as text', () => {
    expect(result.recommendations.map((r) => r.candidate.table)).toContain(table);
    expect(page.tables.recommendations!.rows.map((r) => r[2])).toContain(`public.${table}`);
    expect(page.bodyText).toContain(column);
    expect(page.bodyText).toContain('<img src=y data-injected>');
  });

  it('runs none of them: no element they name exists and the title is untouched', () => {
    expect(page.foreign).toBe(0);
    expect(page.scripts).toBe(2); // the page's own and the probe
    expect(page.title).toBe('Index advice');
  });
});
