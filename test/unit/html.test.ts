// advice.html without a browser: markup in any string from the database stays text, the page
// refers to nothing outside itself, and the chart axes hold their highest figure.
// (test/htmlReport.test.ts checks the drawing in headless Chromium.)
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adviceHtml } from '../../src/report/html.js';
import { niceTicks } from '../../src/report/htmlCharts.js';
import type { AdviceResult } from '../../src/types.js';

const demo = JSON.parse(readFileSync(new URL('../../reports/example/advice.json', import.meta.url), 'utf8')) as AdviceResult;

const PAYLOAD = `<img src=x onerror=alert(1) data-injected><script>alert(2)</script>"' onmouseover="alert(3)`;
/** Fields whose values are the advisor's own words from a fixed set, not names from the database. */
const FIXED = new Set([
  'weight',
  'verifiedBy',
  'kind',
  'action',
  'method',
  'generatedAt',
  'role',
  'bloatSource',
  'statsSinceSource',
  'source',
]);

/** Every string of the result with the payload appended (table, index, column names, statement texts, reasons...). */
function poisoned<T>(v: T, key = ''): T {
  if (typeof v === 'string') return (FIXED.has(key) ? v : `${v}${PAYLOAD}`) as T;
  if (Array.isArray(v)) return v.map((x) => poisoned(x, key)) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, poisoned(x, k)])) as T;
  return v;
}

describe('advice.html', () => {
  it('keeps markup from any string of the result as text', () => {
    const history = demo.statements.map((s, i) => ({
      date: '2026-11-20T02:00:00Z',
      statementId: `${s.statementId}${PAYLOAD}`,
      meanMs: i + 1,
    }));
    const html = adviceHtml(poisoned(demo), { history });
    expect(html.split('<script').length).toBe(2); // the page's own sorting script only
    expect(html).not.toContain('<img');
    // No tag carries the injected attribute outside a quoted (escaped) attribute value.
    expect(html.replace(/"[^"]*"/g, '""')).not.toMatch(/<[a-z]+[^>]*\sdata-injected/);
    expect(html).not.toContain('onmouseover="');
    expect(html).toContain(
      '&lt;img src=x onerror=alert(1) data-injected&gt;&lt;script&gt;alert(2)&lt;/script&gt;&quot;&#39; onmouseover=&quot;alert(3)',
    );
  });

  it('refers to nothing outside the file, and its policy says so', () => {
    const html = adviceHtml(demo);
    expect(html).not.toMatch(/\b(src|href|xlink:href|srcset|action)\s*=/i);
    expect(html).not.toMatch(/url\(|@import/);
    expect(html).toMatch(
      /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+';/,
    );
  });

  it('draws the budget as a line on the benefit and space charts, only when one was set', () => {
    expect(adviceHtml(demo).match(/<line class="limit"/g)).toBeNull();
    expect(
      adviceHtml({ ...demo, budgetBytes: 50e6 }).match(/<line class="limit"[^>]*\/><text class="limit-label"[^>]*>budget 50.0 MB</g),
    ).toHaveLength(2);
  });

  it('says "no history yet" without past runs', () => {
    expect(adviceHtml(demo)).toMatch(/data-empty="history">No history yet/);
    expect(adviceHtml(demo, { history: [] })).toMatch(/data-empty="history">No history yet/);
  });

  it('draws axes that reach past their highest figure', () => {
    expect(niceTicks(52.6)).toEqual([0, 20, 40, 60]);
    expect(niceTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(0.37)).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(0)).toEqual([0]);
  });
});
