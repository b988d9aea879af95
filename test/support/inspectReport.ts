// Opens advice.html in headless Chromium with a probe script added, and returns what the browser
// drew and shows: each chart's marks with their rendered sizes, the headline figures, every
// table's cells, a table's order after clicking its headers, and whether anything injected ran.
// The probe's hash joins the page's Content Security Policy (the page lets only its own script run).
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dumpDom } from '../../tools/browser/headless.js';

export interface RenderedMark {
  label: string | null;
  value: number | null;
  x: number | null;
  y: number | null;
  /** Position and size of the drawn shape in the SVG's own units (getBBox), and its size on screen (getBoundingClientRect). */
  left: number;
  width: number;
  height: number;
  screenWidth: number;
  screenHeight: number;
  fill: string;
}

export interface Inspection {
  title: string;
  figures: Record<string, string>;
  /** Each chart's marks, and its limit line (the budget) where it has one: its x in the SVG's units and drawn height. */
  charts: Record<string, { screenWidth: number; screenHeight: number; marks: RenderedMark[]; limit: { x: number; height: number } | null }>;
  empty: Record<string, string>;
  tables: Record<string, { sortReady: boolean; headers: string[]; rows: string[][] }>;
  /** The recommendations table's first column after clicking "size" once, then again. */
  sortedBySize: { ascending: string[]; descending: string[]; ariaSort: string[] };
  scripts: number;
  /** img, iframe, object, embed, link, and elements carrying data-injected: all must be 0. */
  foreign: number;
  bodyText: string;
  pageHeight: number;
}

const PROBE = `(function () {
  var out = { title: document.title, figures: {}, charts: {}, empty: {}, tables: {} };
  document.querySelectorAll('[data-figure]').forEach(function (e) { out.figures[e.getAttribute('data-figure')] = e.textContent; });
  document.querySelectorAll('[data-empty]').forEach(function (e) { out.empty[e.getAttribute('data-empty')] = e.textContent; });
  var num = function (e, a) { var v = e.getAttribute(a); return v === null ? null : Number(v); };
  document.querySelectorAll('svg[data-chart]').forEach(function (svg) {
    var r = svg.getBoundingClientRect();
    out.charts[svg.getAttribute('data-chart')] = {
      screenWidth: r.width, screenHeight: r.height,
      marks: Array.prototype.map.call(svg.querySelectorAll('.mark'), function (m) {
        var b = m.getBBox(); var s = m.getBoundingClientRect();
        return { label: m.getAttribute('data-label'), value: num(m, 'data-value'), x: num(m, 'data-x'), y: num(m, 'data-y'),
          left: b.x, width: b.width, height: b.height, screenWidth: s.width, screenHeight: s.height, fill: getComputedStyle(m).fill };
      }),
      limit: null
    };
    var limit = svg.querySelector('line.limit');
    if (limit) out.charts[svg.getAttribute('data-chart')].limit = { x: limit.x1.baseVal.value, height: limit.getBoundingClientRect().height };
  });
  var cells = function (row) { return Array.prototype.map.call(row.cells, function (c) { return c.textContent; }); };
  document.querySelectorAll('table[data-table]').forEach(function (t) {
    out.tables[t.getAttribute('data-table')] = { sortReady: t.hasAttribute('data-sort-ready'), headers: cells(t.tHead.rows[0]),
      rows: Array.prototype.map.call(t.tBodies[0].rows, cells) };
  });
  out.sortedBySize = { ascending: [], descending: [], ariaSort: [] };
  var rec = document.querySelector('table[data-table="recommendations"]');
  if (rec) {
    var th = Array.prototype.find.call(rec.tHead.rows[0].cells, function (c) { return c.textContent === 'size'; });
    var first = function () { return Array.prototype.map.call(rec.tBodies[0].rows, function (r) { return r.cells[0].textContent; }); };
    th.click(); out.sortedBySize.ascending = first(); out.sortedBySize.ariaSort.push(th.getAttribute('aria-sort'));
    th.click(); out.sortedBySize.descending = first(); out.sortedBySize.ariaSort.push(th.getAttribute('aria-sort'));
  }
  out.scripts = document.scripts.length;
  out.foreign = document.querySelectorAll('img, iframe, object, embed, link, [data-injected]').length;
  out.bodyText = document.body.textContent;
  out.pageHeight = document.documentElement.scrollHeight;
  var pre = document.createElement('pre');
  pre.id = 'pgia-probe';
  pre.textContent = btoa(unescape(encodeURIComponent(JSON.stringify(out))));
  document.body.appendChild(pre);
})();`;

export async function inspectReport(chromium: string, html: string): Promise<Inspection> {
  const hash = `'sha256-${createHash('sha256').update(PROBE, 'utf8').digest('base64')}'`;
  if (!html.includes('script-src ')) throw new Error('the page has no script-src policy to add the probe to');
  const probed = html.replace('script-src ', `script-src ${hash} `).replace('</body>', `<script>${PROBE}</script>\n</body>`);
  const dir = await mkdtemp(join(tmpdir(), 'pgia-html-'));
  try {
    const file = join(dir, 'advice.html');
    await writeFile(file, probed);
    const dom = await dumpDom(chromium, file);
    const m = /<pre id="pgia-probe">([A-Za-z0-9+/=]+)<\/pre>/.exec(dom);
    if (!m) throw new Error(`the probe did not run in Chromium (blocked, or the page broke); DOM starts: ${dom.slice(0, 500)}`);
    return JSON.parse(Buffer.from(m[1]!, 'base64').toString('utf8')) as Inspection;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
