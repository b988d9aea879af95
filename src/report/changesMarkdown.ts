// "Since the previous run": the part of advice.md that opens the report when the run keeps a
// history. What the window covers, then recommendations applied (with what their statements' mean
// time did), new, still open and withdrawn; audit findings; statements that got slower.
import { formatPercent, oneLine } from '../format.js';
import type { HistoryReport, RememberedRecommendation } from '../types.js';
import { mdCell } from './format.js';

export function changesMarkdown(h: HistoryReport): string {
  const out: string[] = [];
  const { diff, window: w } = h;
  out.push('## Since the previous run', '');
  out.push(
    `- Window (${WINDOW_WORDS[w.mode]}): ${w.since ?? 'the statistics reset (time unknown)'} → ${w.until}, ` +
      `${Math.round(w.calls).toLocaleString('en-US')} calls, ${formatMs(w.totalExecMs)} in ${w.statements} statements`,
  );
  for (const n of w.notes) out.push(`- Window: ${n}`);
  out.push(`- History: ${h.store}; ${diff.previousRun ? `previous run ${diff.previousRun}` : 'first run'}`);
  const r = diff.recommendations;
  out.push(
    `- Recommendations: ${r.new.length} new, ${r.open.length} still open, ${r.applied.length} applied, ${r.withdrawn.length} withdrawn`,
  );
  const f = diff.findings;
  out.push(`- Audit findings: ${f.new.length} new, ${f.open.length} still open, ${f.resolved.length} resolved`);
  out.push(`- Statements slower by over ${formatPercent(diff.regressionThreshold)}: ${diff.regressions.length}`, '');

  for (const a of r.applied) {
    const n = a.recommendation.statementIds.length;
    out.push(
      `- **Applied** \`${mdCell(a.index)}\` (found in the catalog on ${day(a.foundOn)}; recommended since ${day(a.recommendation.firstSeen)}): ` +
        `its ${n} statement${n === 1 ? '' : 's'} went from ${formatMs(a.meanMsBefore)} to ${formatMs(a.meanMsAfter)} a call`,
    );
    for (const s of a.statements) {
      const slower = s.slower ? ' **slower: check its plan**' : '';
      out.push(`  - \`${mdCell(oneLine(s.query || s.queryid, 100))}\`: ${formatMs(s.meanMsBefore)} → ${formatMs(s.meanMsAfter)}${slower}`);
    }
  }
  if (r.applied.some((a) => a.statements.some((s) => s.slower))) {
    out.push('', '> **Warning:** a statement of applied advice got slower since its index was built: see above.');
  }
  const list = (label: string, recs: RememberedRecommendation[], tail: (x: RememberedRecommendation) => string) => {
    for (const x of recs) out.push(`- ${label} \`${mdCell(x.definition)}\`${tail(x)}`);
  };
  list('New:', r.new, () => '');
  list('Still open:', r.open, (x) => ` (seen on ${x.runs} runs since ${day(x.firstSeen)})`);
  list('Withdrawn:', r.withdrawn, (x) => ` (recommended on ${x.runs} run${x.runs === 1 ? '' : 's'} since ${day(x.firstSeen)})`);
  for (const x of f.new) out.push(`- New finding: ${mdCell(x.summary)}`);
  for (const x of f.open) out.push(`- Finding still open: ${mdCell(x.summary)} (seen on ${x.runs} runs since ${day(x.firstSeen)})`);
  for (const x of f.resolved) out.push(`- Resolved: ${mdCell(x.summary)}`);
  if (diff.regressions.length) {
    out.push('', '| slower statement | mean before | mean now | calls before | calls now | plan |', '|---|---:|---:|---:|---:|---|');
    for (const g of diff.regressions) {
      const plan = g.planChanged
        ? `indexes used: ${indexList(g.planChanged.indexesBefore)} → ${indexList(g.planChanged.indexesAfter)}`
        : 'same indexes (or unknown)';
      out.push(
        `| \`${mdCell(oneLine(g.query, 100))}\` | ${formatMs(g.meanMsBefore)} | ${formatMs(g.meanMsAfter)} | ${g.callsBefore} | ${g.callsAfter} | ${mdCell(plan)} |`,
      );
    }
  }
  return out.join('\n');
}

const WINDOW_WORDS = { last: 'since the previous run', '7d': 'the last 7 days', all: 'all time' } as const;

/** `0.31 ms`, `41 ms`, `2.4 s`; `–` when unknown. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 10) return `${ms.toFixed(0)} ms`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(2)} ms`;
}

const day = (iso: string) => iso.slice(0, 10);
const indexList = (names: string[]) => (names.length ? names.map((n) => `\`${n}\``).join(', ') : 'none');
