// advice.html: the report for people, from the same AdviceResult as advice.json. One file that
// opens offline: inline CSS and SVG, one inline script (sorting tables), and a Content Security
// Policy that lets nothing else run or load, so even a name the escaping missed could not act.

import { createHash } from 'node:crypto';
import { quoteQualified } from '../db/quote.js';
import { formatAge, formatBytes, formatCost, formatPercent, oneLine } from '../format.js';
import type { AdviceResult, AuditResult, IndexCandidate, Recommendation, StatementTimePoint } from '../types.js';
import { hidingText } from './hiding.js';
import { barChart, lineChart, pairedBarChart, type Series, scatterChart, stackedBarChart } from './htmlCharts.js';
import { escapeHtml } from './htmlEscape.js';
import { type Cell, SORT_SCRIPT, sortableTable } from './htmlTable.js';
import { isCreated } from './migration.js';

export interface HtmlOptions {
  /** Statement times of past runs (default: the run's own history); the chart says "no history yet" without them. */
  history?: StatementTimePoint[];
}

/** Statements drawn in the cost chart and lines in the history chart: the rest are in the tables. */
const TOP_STATEMENTS = 10;
const HISTORY_LINES = 8;
const NOT_CHOSEN_SHOWN = 50;

const VERIFIED_BY: Record<Recommendation['verifiedBy'], string> = {
  hypopg: 'hypopg',
  real: 'built for real',
  model: 'cost model',
  none: 'no',
};

export function adviceHtml(result: AdviceResult, opts: HtmlOptions = {}): string {
  const created = result.recommendations.filter(isCreated);
  const proposed = result.recommendations.filter((r) => !isCreated(r));
  const saved = result.workloadCostBefore > 0 ? 1 - result.workloadCostAfter / result.workloadCostBefore : 0;
  const newBytes = created.reduce((n, r) => n + r.estimatedBytes, 0);
  const reclaim = result.audit ? reclaimable(result.audit) : [];
  const body = [
    `<header><h1>Index advice</h1><p class="meta">${escapeHtml(result.target)} · PostgreSQL ${escapeHtml(result.serverVersion)} · ` +
      `generated ${escapeHtml(result.generatedAt)}<br>Workload: ${escapeHtml(result.workloadOrigin)}; ` +
      `${escapeHtml(result.statementsAnalyzed)} statements analysed, weighted by ${result.weight === 'calls' ? 'calls' : 'total execution time'}; ` +
      `${escapeHtml(result.candidatesConsidered)} candidate indexes, ${escapeHtml(result.whatIfCalls)} planner (what-if) calls</p></header>`,
    figures([
      ['cost-before', formatCost(result.workloadCostBefore), 'workload cost now'],
      ['cost-after', formatCost(result.workloadCostAfter), 'with the advice'],
      ['saved', formatPercent(saved), 'less'],
      ['indexes', String(created.length), created.length === 1 ? 'new index' : 'new indexes'],
      ['new-bytes', formatBytes(newBytes), result.budgetBytes !== undefined ? `of a ${formatBytes(result.budgetBytes)} budget` : 'on disk'],
      ...(result.audit
        ? ([
            ['findings', String(result.audit.findings.length), 'audit findings'],
            ['reclaim', formatBytes(reclaim.reduce((n, m) => n + m.value, 0)), 'the audit gives back'],
          ] as Array<[string, string, string]>)
        : []),
    ]),
    ...result.warnings.map((w) => `<p class="warning"><strong>Warning:</strong> ${escapeHtml(w)}</p>`),
    '<section class="charts">',
    chartCard('Workload cost, now and with the advice', costChart(result)),
    chartCard('Space: the new indexes, and what the audit gives back', spaceChart(result, created, reclaim)),
    chartCard(`The ${TOP_STATEMENTS} costliest statements, now and with the advice`, statementsChart(result)),
    chartCard("Each new index's benefit against its size", benefitChart(created, result.budgetBytes)),
    chartCard('Statement time across past runs', historyChart(result, opts.history ?? result.history?.times), 'wide'),
    '</section>',
    '<section><h2>Recommended indexes</h2>',
    created.length
      ? recommendationsTable('recommendations', created, result)
      : "<p>None: no candidate index lowers the workload's planner cost enough to be worth its upkeep.</p>",
    '</section>',
    ...(proposed.length
      ? [
          '<section><h2>Unverified proposals</h2><p>hypopg cannot simulate these and nothing measured them: they are comments in the migration.</p>',
          recommendationsTable('proposals', proposed, result),
          '</section>',
        ]
      : []),
    '<section><h2>Statements</h2><p>Planner cost of each statement’s generic plan, now and with the recommended indexes.</p>',
    statementsTable(result),
    '</section>',
    ...(result.audit ? [auditSection(result.audit)] : []),
    leftOutSections(result),
    '<footer><p>Apply with <code>psql -v ON_ERROR_STOP=1 -f migration.up.sql</code> (outside a transaction); undo with ' +
      '<code>migration.down.sql</code>. The same figures, for machines: <code>advice.json</code>.</p></footer>',
  ];
  return page('Index advice', body.join('\n'));
}

function page(title: string, body: string): string {
  const csp = [
    "default-src 'none'",
    `style-src '${sha256(CSS)}'`,
    `script-src '${sha256(SORT_SCRIPT)}'`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style>
</head>
<body>
${body}
<script>${SORT_SCRIPT}</script>
</body>
</html>
`;
}

function sha256(text: string): string {
  return `sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}`;
}

function figures(items: Array<[id: string, value: string, caption: string]>): string {
  const cells = items.map(
    ([id, value, caption]) =>
      `<div class="figure"><span class="figure-value" data-figure="${escapeHtml(id)}">${escapeHtml(value)}</span>` +
      `<span class="figure-caption">${escapeHtml(caption)}</span></div>`,
  );
  return `<section class="figures">${cells.join('')}</section>`;
}

function chartCard(title: string, content: string, width: 'wide' | '' = ''): string {
  return `<figure class="card ${width}"><figcaption>${escapeHtml(title)}</figcaption>${content}</figure>`;
}

function empty(id: string, text: string): string {
  return `<p class="empty" data-empty="${escapeHtml(id)}">${escapeHtml(text)}</p>`;
}

function costChart(result: AdviceResult): string {
  return barChart(
    'cost',
    'Workload cost now and with the advice',
    [
      { label: 'now', value: result.workloadCostBefore, shown: formatCost(result.workloadCostBefore) },
      { label: 'with the advice', value: result.workloadCostAfter, shown: formatCost(result.workloadCostAfter) },
    ],
    ['before', 'after'],
  );
}

/** A statement's share of the workload cost: its planner cost times its calls (or total time). */
function weighted(result: AdviceResult, s: AdviceResult['statements'][number], cost: number | null): number {
  return (cost ?? 0) * (result.weight === 'calls' ? s.calls : s.totalExecMs);
}

function statementsChart(result: AdviceResult): string {
  const top = result.statements
    .filter((s) => s.costBefore !== null)
    .map((s) => ({ s, before: weighted(result, s, s.costBefore), after: weighted(result, s, s.costAfter ?? s.costBefore) }))
    .sort((a, b) => b.before - a.before)
    .slice(0, TOP_STATEMENTS);
  if (top.length === 0) return empty('statements', 'No statement was costed.');
  return pairedBarChart(
    'statements',
    'Weighted cost of the costliest statements, now and with the advice',
    top.map(({ s, before, after }) => ({
      label: oneLine(s.query, 60),
      a: { label: s.statementId, value: before, shown: formatCost(before), title: `${oneLine(s.query, 200)}\nnow: ${formatCost(before)}` },
      b: {
        label: s.statementId,
        value: after,
        shown: formatCost(after),
        title: `${oneLine(s.query, 200)}\nwith the advice: ${formatCost(after)}`,
      },
    })),
    ['now', 'with the advice'],
  );
}

function benefitChart(created: Recommendation[], budgetBytes: number | undefined): string {
  if (created.length === 0) return empty('benefit-size', 'No new index is recommended.');
  // The running total, the best saving per byte first: where the curve flattens, more space buys little.
  let bytes = 0;
  let share = 0;
  const curve: Array<{ x: number; y: number }> = [];
  for (const r of [...created].sort(
    (a, b) => b.benefitShare / Math.max(1, b.estimatedBytes) - a.benefitShare / Math.max(1, a.estimatedBytes),
  )) {
    bytes += r.estimatedBytes;
    share += r.benefitShare * 100;
    curve.push({ x: bytes, y: share });
  }
  return (
    scatterChart(
      'benefit-size',
      "Each new index's share of the workload cost saved against its estimated size",
      created.map((r, i) => ({
        x: r.estimatedBytes,
        y: r.benefitShare * 100,
        label: String(i + 1),
        title: `${i + 1}. ${r.name}: saves ${formatPercent(r.benefitShare)} of the workload's cost; ≈ ${formatBytes(r.estimatedBytes)}`,
      })),
      { x: 'estimated size (log scale)', y: 'workload cost saved (%)', formatX: formatBytes, formatY: (n) => `${n} %` },
      {
        curve: { points: curve, label: `all ${created.length}: ${formatPercent(share / 100)}, ${formatBytes(bytes)}` },
        limit: budgetBytes !== undefined ? { value: budgetBytes, shown: formatBytes(budgetBytes) } : undefined,
        yCap: 100,
      },
    ) +
    '<p class="note">Each point is one index (its number in the table below); the dashed line adds them up, the best saving per byte first.</p>'
  );
}

/** The audit findings that give space back, largest first, as marks of the space chart. */
function reclaimable(audit: AuditResult) {
  return audit.findings
    .filter((f) => (f.reclaimableBytes ?? 0) > 0)
    .sort((a, b) => (b.reclaimableBytes ?? 0) - (a.reclaimableBytes ?? 0))
    .map((f) => ({
      label: `${f.kind} ${f.index ?? f.table}`,
      value: f.reclaimableBytes ?? 0,
      shown: formatBytes(f.reclaimableBytes ?? 0),
      title: `${f.kind}: ${f.schema}.${f.index ?? f.table} (${f.action}) gives back ${formatBytes(f.reclaimableBytes ?? 0)}`,
    }));
}

function spaceChart(result: AdviceResult, created: Recommendation[], reclaim: ReturnType<typeof reclaimable>): string {
  const newBytes = created.reduce((n, r) => n + r.estimatedBytes, 0);
  const rows = [
    {
      label: 'new indexes',
      kind: 'grow',
      shown: `+${formatBytes(newBytes)}`,
      segments: created.map((r, i) => ({
        label: r.name,
        value: r.estimatedBytes,
        shown: formatBytes(r.estimatedBytes),
        title: `${i + 1}. ${r.name}: ≈ ${formatBytes(r.estimatedBytes)}`,
      })),
    },
  ];
  if (result.audit) {
    const total = reclaim.reduce((n, m) => n + m.value, 0);
    rows.push({ label: 'the audit gives back', kind: 'shrink', shown: `−${formatBytes(total)}`, segments: reclaim });
  }
  const chart = stackedBarChart(
    'space',
    'Space the new indexes take and the audit gives back',
    rows,
    result.budgetBytes !== undefined ? { value: result.budgetBytes, shown: formatBytes(result.budgetBytes) } : undefined,
  );
  const notes = [
    result.budgetBytes === undefined ? 'No --budget was set.' : '',
    !result.audit ? 'The audit did not run (--no-audit).' : reclaim.length === 0 ? 'No audit finding gives space back.' : '',
  ].filter(Boolean);
  return chart + (notes.length ? `<p class="note">${escapeHtml(notes.join(' '))}</p>` : '');
}

function historyChart(result: AdviceResult, history: StatementTimePoint[] | undefined): string {
  const points = (history ?? []).filter((p) => Number.isFinite(p.meanMs) && Number.isFinite(Date.parse(p.date)));
  if (points.length === 0)
    return empty('history', 'No history yet: statement times across runs appear here once past runs are kept (a history of snapshots).');
  const byId = new Map<string, StatementTimePoint[]>();
  for (const p of points) byId.set(p.statementId, [...(byId.get(p.statementId) ?? []), p]);
  const queries = new Map(result.statements.map((s) => [s.statementId, s.query]));
  // The statements that take longest on the latest run they were seen in.
  const latest = (ps: StatementTimePoint[]) => ps.reduce((a, b) => (Date.parse(b.date) > Date.parse(a.date) ? b : a)).meanMs;
  const series: Series[] = [...byId.entries()]
    .sort((a, b) => latest(b[1]) - latest(a[1]))
    .slice(0, HISTORY_LINES)
    .map(([id, ps]) => ({
      name: queries.has(id) ? oneLine(queries.get(id)!, 90) : `statement ${id}`,
      points: ps.map((p) => ({ t: Date.parse(p.date), y: p.meanMs, shown: `${formatMs(p.meanMs)} on ${p.date.slice(0, 10)}` })),
    }));
  return lineChart('history', 'Mean time of the slowest statements on each past run', series, formatMs);
}

function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 10_000 ? 0 : 1)} s`;
  return `${ms >= 10 ? ms.toFixed(0) : ms >= 1 ? ms.toFixed(1) : Number(ms.toPrecision(2))} ms`;
}

function indexType(c: IndexCandidate): string {
  const parts: string[] = [c.method];
  if (c.columns.length > 1) parts.push('multicolumn');
  if (c.where) parts.push('partial');
  if (c.include.length) parts.push('covering');
  if (c.columns.some((k) => k.column === undefined)) parts.push('expression');
  return parts.join(', ');
}

function code(text: string, max = 200): Cell {
  return { html: `<code>${escapeHtml(oneLine(text, max))}</code>`, title: text.length > max ? text : undefined };
}

function recommendationsTable(id: string, recs: Recommendation[], result: AdviceResult): string {
  return sortableTable(
    id,
    [
      { title: '#', numeric: true },
      { title: 'index' },
      { title: 'table' },
      { title: 'type' },
      { title: 'verified' },
      { title: 'benefit', numeric: true },
      { title: 'share', numeric: true },
      { title: 'size', numeric: true },
      { title: 'write cost', numeric: true },
      { title: 'statements', numeric: true },
      { title: 'why' },
    ],
    recs.map((r, i) => {
      const measured = isCreated(r);
      return [
        { text: String(i + 1), sort: i + 1 },
        { html: `<strong>${escapeHtml(r.name)}</strong><br><code>${escapeHtml(r.definition)}</code>` },
        `${r.candidate.schema}.${r.candidate.table}`,
        indexType(r.candidate),
        { text: VERIFIED_BY[r.verifiedBy], title: r.verification },
        measured ? { text: formatCost(r.benefit), sort: r.benefit } : { text: '–', sort: null },
        measured ? { text: formatPercent(r.benefitShare), sort: r.benefitShare } : { text: '–', sort: null },
        { text: formatBytes(r.estimatedBytes), sort: r.estimatedBytes },
        { text: formatCost(r.writeCost), sort: r.writeCost },
        { text: String(r.statements.length), sort: r.statements.length, title: statementList(r, result) },
        [
          ...r.candidate.reasons,
          ...(r.notes ?? []),
          ...(r.replaces
            ? [`replaces ${quoteQualified(r.replaces.schema, r.replaces.index)} (dropped after the build): ${hidingText(r.replaces.check)}`]
            : []),
        ].join('; '),
      ];
    }),
  );
}

function statementList(r: Recommendation, result: AdviceResult): string {
  const queries = new Map(result.statements.map((s) => [s.statementId, s.query]));
  return r.statements
    .map((s) => `${oneLine(queries.get(s.statementId) ?? s.statementId, 100)}: ${formatCost(s.costBefore)} → ${formatCost(s.costAfter)}`)
    .join('\n');
}

function statementsTable(result: AdviceResult): string {
  return sortableTable(
    'statements',
    [
      { title: 'statement' },
      { title: 'calls', numeric: true },
      { title: 'total time (ms)', numeric: true },
      { title: 'cost now', numeric: true },
      { title: 'cost with advice', numeric: true },
      { title: 'change', numeric: true },
    ],
    result.statements.map((s) => {
      const change = s.costBefore && s.costAfter !== null ? s.costAfter / s.costBefore - 1 : null;
      return [
        code(s.query),
        { text: String(s.calls), sort: s.calls },
        { text: s.totalExecMs.toFixed(1), sort: s.totalExecMs },
        { text: formatCost(s.costBefore), sort: s.costBefore },
        { text: formatCost(s.costAfter), sort: s.costAfter },
        change === null ? { text: '–', sort: null } : { text: `${change > 0 ? '+' : ''}${formatPercent(change)}`, sort: change },
      ];
    }),
  );
}

function auditSection(audit: AuditResult): string {
  const out = [
    '<section><h2>Audit of existing indexes</h2>',
    `<p>Scan statistics cover ${escapeHtml(formatAge(audit.statsAgeSeconds))}; ${escapeHtml(audit.findings.length)} finding(s). ` +
      'Their migration is <code>audit.up.sql</code>.</p>',
  ];
  out.push(
    audit.findings.length
      ? sortableTable(
          'audit',
          [
            { title: 'finding' },
            { title: 'table' },
            { title: 'index' },
            { title: 'action' },
            { title: 'size', numeric: true },
            { title: 'gives back', numeric: true },
            { title: 'what and why' },
          ],
          audit.findings.map((f) => [
            f.kind,
            `${f.schema}.${f.table}`,
            f.index ?? (f.foreignKey ? `(foreign key ${f.foreignKey.name})` : ''),
            f.action,
            f.bytes === undefined ? { text: '–', sort: null } : { text: formatBytes(f.bytes), sort: f.bytes },
            { text: formatBytes(f.reclaimableBytes ?? 0), sort: f.reclaimableBytes ?? 0 },
            f.confirmedByHiding ? `${f.summary} Hidden from the planner: ${hidingText(f.confirmedByHiding)}.` : f.summary,
          ]),
        )
      : '<p>Nothing found.</p>',
  );
  for (const w of audit.warnings) out.push(`<p class="warning">${escapeHtml(w)}</p>`);
  if (audit.kept.length) {
    out.push(
      '<h3>Kept</h3>',
      simpleTable(
        'kept',
        ['index', 'why kept'],
        audit.kept.map((k) => [k.index, k.reason]),
      ),
    );
  }
  out.push('</section>');
  return out.join('\n');
}

function simpleTable(id: string, titles: string[], rows: string[][]): string {
  return sortableTable(
    id,
    titles.map((title) => ({ title })),
    rows,
  );
}

function leftOutSections(result: AdviceResult): string {
  const out: string[] = [];
  if (result.struckOut.length)
    out.push(
      '<section><h2>Chosen, then struck out of the set</h2>',
      sortableTable(
        'struck-out',
        [{ title: 'index' }, { title: 'why' }],
        result.struckOut.map((r) => [code(r.definition), r.reason]),
      ),
      '</section>',
    );
  if (result.notChosen.length) {
    const counts = new Map<string, number>();
    for (const n of result.notChosen) counts.set(n.reason.split(':')[0]!, (counts.get(n.reason.split(':')[0]!) ?? 0) + 1);
    out.push(
      '<section><h2>Candidates not chosen</h2><ul>',
      ...[...counts].map(([reason, n]) => `<li>${n} × ${escapeHtml(reason)}</li>`),
      '</ul>',
      `<details><summary>The ${Math.min(NOT_CHOSEN_SHOWN, result.notChosen.length)} that came closest, with why</summary>`,
      sortableTable(
        'not-chosen',
        [{ title: 'candidate' }, { title: 'why not' }],
        result.notChosen.slice(0, NOT_CHOSEN_SHOWN).map((n) => [code(n.definition), n.reason]),
      ),
      '</details></section>',
    );
  }
  if (result.rejectedCandidates.length)
    out.push(
      '<section><h2>Candidates the server would not build</h2>',
      sortableTable(
        'rejected',
        [{ title: 'candidate' }, { title: 'reason' }],
        result.rejectedCandidates.map((r) => [code(r.definition), r.reason]),
      ),
      '</section>',
    );
  if (result.notAdvisable.length)
    out.push(
      '<section><h2>Statements that could not be advised</h2>',
      sortableTable(
        'not-advisable',
        [{ title: 'statement' }, { title: 'reason' }],
        result.notAdvisable.map((n) => [code(n.query), n.reason]),
      ),
      '</section>',
    );
  if (result.skipped.length) {
    const counts = new Map<string, number>();
    for (const s of result.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
    out.push(
      '<section><h2>Statements left out</h2><ul>',
      ...[...counts].map(([r, n]) => `<li>${n} × ${escapeHtml(r)}</li>`),
      '</ul></section>',
    );
  }
  return out.join('\n');
}

const CSS = `
:root { --fg: #1d2433; --muted: #5b6478; --line: #d9dee8; --bg: #ffffff; --card: #f6f8fb;
  --before: #d1603d; --after: #2a9d8f; --grow: #3b6fb6; --grow2: #6b97d6; --shrink: #3f9a4b; --shrink2: #7cc488; --limit: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1280px; padding: 24px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--fg); background: var(--bg); }
h1 { margin: 0 0 4px; font-size: 26px; } h2 { margin: 32px 0 8px; font-size: 19px; } h3 { font-size: 15px; }
.meta, .note, figcaption { color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 18px 0; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.figure-value { display: block; font-size: 22px; font-weight: 600; }
.figure-caption { color: var(--muted); font-size: 12px; }
.warning { background: #fff4e5; border-left: 4px solid #f0a020; padding: 8px 12px; }
.charts { display: grid; align-items: start; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px; }
.card.wide { grid-column: 1 / -1; }
.card.wide svg.chart { max-width: 760px; margin: 0 auto; }
.card { margin: 0; background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; }
figcaption { font-weight: 600; margin-bottom: 6px; }
svg.chart { width: 100%; height: auto; display: block; font-size: 12px; }
svg .label, svg .legend, svg .value, svg .tick, svg .axis { fill: var(--fg); }
svg .tick, svg .axis { fill: var(--muted); font-size: 11px; }
svg .small { font-size: 10px; }
svg .before { fill: var(--before); } svg .after { fill: var(--after); }
svg .grow.seg0 { fill: var(--grow); } svg .grow.seg1 { fill: var(--grow2); }
svg .shrink.seg0 { fill: var(--shrink); } svg .shrink.seg1 { fill: var(--shrink2); }
svg .mark.seg0, svg .mark.seg1 { stroke: var(--bg); stroke-width: 1; }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .limit { stroke: var(--limit); stroke-width: 2; stroke-dasharray: 6 4; } svg .limit-label { fill: var(--limit); font-size: 11px; }
svg .point { fill: var(--grow); fill-opacity: .85; stroke: #fff; } svg .point-label { fill: #fff; font-size: 9px; font-weight: 600; pointer-events: none; }
svg polyline.line { fill: none; stroke-width: 2; }
svg polyline.cumulative { fill: none; stroke: var(--muted); stroke-width: 1.5; stroke-dasharray: 3 3; }
svg .cumulative-label { fill: var(--muted); font-size: 11px; }
svg .s0 { fill: #3b6fb6; stroke: #3b6fb6; } svg .s1 { fill: #d1603d; stroke: #d1603d; } svg .s2 { fill: #2a9d8f; stroke: #2a9d8f; }
svg .s3 { fill: #8e5bb5; stroke: #8e5bb5; } svg .s4 { fill: #c9a227; stroke: #c9a227; } svg .s5 { fill: #5f7a8c; stroke: #5f7a8c; }
svg .s6 { fill: #c2477d; stroke: #c2477d; } svg .s7 { fill: #4d9a3a; stroke: #4d9a3a; }
svg polyline.line { fill: none; }
.empty { color: var(--muted); font-style: italic; padding: 24px 0; text-align: center; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
th { background: var(--card); position: sticky; top: 0; }
table[data-sort-ready] th { cursor: pointer; user-select: none; }
table[data-sort-ready] th:hover { background: #e8edf5; }
th[aria-sort="ascending"]::after { content: " ▲"; } th[aria-sort="descending"]::after { content: " ▼"; }
td.num, th[data-type="num"] { text-align: right; white-space: nowrap; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-word; }
footer { margin-top: 32px; color: var(--muted); }
`;
