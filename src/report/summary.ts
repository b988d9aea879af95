// The short Markdown summary for a CI job's page (`--summary github` appends it to
// $GITHUB_STEP_SUMMARY) or a pull-request comment: the headline, what changed, the top
// recommendations and findings. The full report stays in advice.md.
import { formatBytes, formatPercent } from '../format.js';
import type { AdviceResult } from '../types.js';
import { formatMs } from './changesMarkdown.js';
import { mdCell } from './format.js';
import { isCreated } from './migration.js';

const SHOWN = 5;

export function summaryMarkdown(result: AdviceResult, opts: { failed?: string[]; report?: string } = {}): string {
  const out: string[] = [];
  const created = result.recommendations.filter(isCreated);
  const saved = result.workloadCostBefore > 0 ? 1 - result.workloadCostAfter / result.workloadCostBefore : 0;
  out.push(`### pg-index-advisor: \`${result.target}\``, '');
  if (opts.failed?.length) out.push(`**Failed:** ${opts.failed.join('; ')}`, '');
  out.push(
    `${created.length} index${created.length === 1 ? '' : 'es'} recommended (workload cost ${formatPercent(saved)} lower), ` +
      `${result.audit?.findings.filter((f) => f.action !== 'keep').length ?? 0} audit finding(s), ${result.statementsAnalyzed} statements analysed.`,
    '',
  );
  const h = result.history;
  if (h) {
    const r = h.diff.recommendations;
    const f = h.diff.findings;
    out.push(
      `Since ${h.diff.previousRun ?? 'ever (first run)'}: ${r.new.length} new, ${r.open.length} still open, ${r.applied.length} applied, ` +
        `${r.withdrawn.length} withdrawn; findings ${f.new.length} new, ${f.resolved.length} resolved; ${h.diff.regressions.length} slower statement(s).`,
      '',
    );
    for (const a of r.applied)
      out.push(`- Applied \`${mdCell(a.index)}\`: ${formatMs(a.meanMsBefore)} → ${formatMs(a.meanMsAfter)} a call`);
    if (r.applied.length) out.push('');
  }
  if (created.length) {
    const fresh = new Set(h?.diff.recommendations.new.map((x) => x.key) ?? []);
    out.push('| index | saves | size |', '|---|---:|---:|');
    for (const r of created.slice(0, SHOWN)) {
      // A replacement drops an existing index once this one is built: the reviewer must see it here.
      const replaces = r.replaces ? `, replaces \`${mdCell(`${r.replaces.schema}.${r.replaces.index}`)}\`` : '';
      out.push(
        `| \`${mdCell(r.definition)}\`${fresh.has(r.candidate.key) ? ' (new)' : ''}${replaces} | ${formatPercent(r.benefitShare)} | ${formatBytes(r.estimatedBytes)} |`,
      );
    }
    if (created.length > SHOWN) out.push(`| … and ${created.length - SHOWN} more | | |`);
    out.push('');
  }
  if (opts.report) out.push(`Full report: \`${opts.report}\``, '');
  return out.join('\n');
}
