import { quoteQualified } from '../db/quote.js';
import { formatBytes, formatCost, formatPercent, oneLine } from '../format.js';
import type { AdviceResult, PartialRun, Recommendation, RecoveredConstant } from '../types.js';
import { auditMarkdownSection } from './auditMarkdown.js';
import { changesMarkdown } from './changesMarkdown.js';
import { mdCell } from './format.js';
import { hidingText, slowerTable } from './hiding.js';
import { isCreated } from './migration.js';

/** Candidates listed one by one under "Candidates not chosen" (advice.json has them all). */
const NOT_CHOSEN_SHOWN = 50;

export function adviceMarkdown(result: AdviceResult): string {
  const out: string[] = [];
  const saved = result.workloadCostBefore > 0 ? 1 - result.workloadCostAfter / result.workloadCostBefore : 0;
  out.push('# Index advice', '');
  if (result.partial) partialRun(out, result.partial);
  out.push(`- Target: \`${result.target}\` (PostgreSQL ${result.serverVersion || 'version unknown'})`);
  out.push(
    `- Workload: ${result.workloadOrigin}; ${result.statementsAnalyzed} statements analysed, ` +
      `weighted by ${result.weight === 'calls' ? 'calls' : 'total execution time'}`,
  );
  out.push(`- Generated: ${result.generatedAt}`);
  out.push(`- ${result.candidatesConsidered} candidate indexes, ${result.whatIfCalls} planner (what-if) calls`);
  if (result.budgetBytes !== undefined) {
    const used = result.recommendations.filter((r) => r.verified).reduce((n, r) => n + r.estimatedBytes, 0);
    out.push(`- Budget: ${formatBytes(result.budgetBytes)}, of which the new indexes take ${formatBytes(used)}`);
  }
  // The headline counts what the migration creates; unverified proposals are only comments in it.
  const created = result.recommendations.filter(isCreated).length;
  const proposed = result.recommendations.length - created;
  out.push(
    `- Estimated workload cost: ${formatCost(result.workloadCostBefore)} → ${formatCost(result.workloadCostAfter)} ` +
      `(${formatPercent(saved)} less) with ${created} new ${created === 1 ? 'index' : 'indexes'}` +
      (proposed
        ? `, and ${proposed} unverified proposal${proposed === 1 ? '' : 's'} (as comments in the migration, not in this estimate)`
        : ''),
  );
  if (result.hiding?.note) out.push(`- Hiding existing indexes: not available. ${result.hiding.note}`);
  out.push('');
  if (result.history) out.push(changesMarkdown(result.history), '');
  for (const w of result.warnings) out.push(`> **Warning:** ${w}`, '');

  const verified = result.recommendations.filter(isCreated);
  const unverified = result.recommendations.filter((r) => !isCreated(r));
  out.push('## Recommended indexes', '');
  if (verified.length === 0 && result.partial && !result.partial.recommendationsComplete)
    out.push('None: the run ended before the selection finished (see the partial report note above).', '');
  else if (verified.length === 0)
    out.push("None: no candidate index lowers the workload's planner cost enough to be worth its upkeep.", '');
  for (const [i, r] of verified.entries()) recommendation(out, r, i, result);
  if (unverified.length) {
    out.push('## Unverified candidates', '');
    out.push(
      'hypopg cannot simulate these index types, so their benefit was not measured. They are in the migration as comments; ',
      'rerun with `--verify-real <scratch database URL>` to measure them, or review them yourself.',
      '',
    );
    for (const [i, r] of unverified.entries()) recommendation(out, r, i, result);
  }

  out.push(
    '## Statements',
    '',
    'Costs of the generic plan (parameters unknown), and with representative values from pg_stats where every parameter has one.',
    '',
    '| statement | calls | cost now | cost with advice | with representative values |',
    '|---|---:|---:|---:|---|',
  );
  for (const s of result.statements) {
    const r = s.representative;
    const rep = r ? `${formatCost(r.costBefore)} → ${formatCost(r.costAfter)}${r.agrees ? '' : ' **disagrees**'}` : '–';
    out.push(`| \`${mdCell(oneLine(s.query, 120))}\` | ${s.calls} | ${formatCost(s.costBefore)} | ${formatCost(s.costAfter)} | ${rep} |`);
  }
  out.push('');
  const annotated = result.statements.filter((s) => s.recovered?.length || s.notes?.length);
  if (annotated.length) {
    out.push('Notes on statements:', '');
    for (const s of annotated) {
      for (const r of s.recovered ?? []) out.push(`- \`${mdCell(oneLine(s.query, 80))}\`: ${mdCell(recoveredText(r))}`);
      for (const n of s.notes ?? []) out.push(`- \`${mdCell(oneLine(s.query, 80))}\`: ${n}`);
    }
    out.push('');
  }
  if (result.struckOut?.length) {
    out.push('## Chosen, then struck out of the set', '', '| index | why |', '|---|---|');
    for (const r of result.struckOut) out.push(`| \`${mdCell(r.definition)}\` | ${mdCell(r.reason)} |`);
    out.push('');
  }
  if (result.notChosen?.length) {
    const reasons = new Map<string, number>();
    // Figures vary per candidate; the count is by the reason's kind (what comes before the colon).
    for (const n of result.notChosen) reasons.set(n.reason.split(':')[0]!, (reasons.get(n.reason.split(':')[0]!) ?? 0) + 1);
    out.push('## Candidates not chosen', '');
    for (const [reason, n] of reasons) out.push(`- ${n} × ${reason}`);
    const shown = result.notChosen.slice(0, NOT_CHOSEN_SHOWN);
    out.push('', `<details><summary>The ${shown.length} that came closest, with why</summary>`, '', '| candidate | why not |', '|---|---|');
    for (const n of shown) out.push(`| \`${mdCell(n.definition)}\` | ${mdCell(n.reason)} |`);
    out.push('', '</details>', '');
  }
  if (result.rejectedCandidates.length) {
    out.push('## Candidates the server would not build', '', '| candidate | reason |', '|---|---|');
    for (const r of result.rejectedCandidates) out.push(`| \`${mdCell(r.definition)}\` | ${mdCell(r.reason)} |`);
    out.push('');
  }

  if (result.notAdvisable.length) {
    out.push('## Statements that could not be advised', '', '| statement | reason |', '|---|---|');
    for (const n of result.notAdvisable) out.push(`| \`${mdCell(oneLine(n.query, 100))}\` | ${mdCell(n.reason)} |`);
    out.push('');
  }
  if (result.skipped.length) {
    const reasons = new Map<string, number>();
    for (const s of result.skipped) reasons.set(s.reason, (reasons.get(s.reason) ?? 0) + 1);
    out.push('## Statements left out', '');
    for (const [reason, n] of reasons) out.push(`- ${n} × ${reason}`);
    out.push('');
  }
  out.push('Apply with `psql -v ON_ERROR_STOP=1 -f migration.up.sql`; undo with `migration.down.sql`.', '');
  if (result.audit) out.push(auditMarkdownSection(result.audit, 2), '');
  return out.join('\n');
}

/** First in the report: a run that ended early says so, and what it lacks. */
function partialRun(out: string[], partial: PartialRun): void {
  out.push(
    `> **Partial report:** the run ended early: ${partial.error}.`,
    '>',
    '> Missing from this report:',
    ...partial.missing.map((m) => `> - ${m}`),
    '',
  );
}

const VERIFIED_BY: Record<Recommendation['verifiedBy'], string> = {
  hypopg: 'yes (hypopg)',
  real: 'yes (built for real)',
  model: 'estimated (cost model)',
  none: 'no',
};

function recommendation(out: string[], r: Recommendation, i: number, result: AdviceResult): void {
  out.push(`### ${i + 1}. \`${mdCell(r.definition)}\``, '');
  out.push(
    `- Type: ${r.candidate.method}${r.candidate.columns.length > 1 ? ', multicolumn' : ''}${r.candidate.where ? ', partial' : ''}` +
      `${r.candidate.include.length ? ', covering' : ''}${r.candidate.columns.some((c) => c.column === undefined) ? ', expression' : ''}`,
  );
  out.push(`- Why: ${r.candidate.reasons.join('; ')}`);
  if (isCreated(r)) {
    out.push(
      `- Benefit: ${formatCost(r.benefit)} (${formatPercent(r.benefitShare)} of the workload's estimated cost), ` +
        `net of an estimated write cost of ${formatCost(r.writeCost)}; size ≈ ${formatBytes(r.estimatedBytes)}`,
    );
  } else {
    out.push(`- Benefit: not measured; estimated write cost ${formatCost(r.writeCost)}`);
  }
  out.push(`- Verified: ${VERIFIED_BY[r.verifiedBy ?? (r.verified ? 'hypopg' : 'none')]} — ${r.verification}`);
  for (const n of r.notes ?? []) out.push(`- Kept: ${n}`);
  if (r.replaces) {
    const x = r.replaces;
    out.push(
      `- Replaces: \`${mdCell(quoteQualified(x.schema, x.index))}\` (${formatBytes(x.bytes)}), dropped after this index is built: ` +
        `${hidingText(x.check)} (hypopg hid it with ${x.check.against} in place)`,
    );
    for (const line of slowerTable(x.check)) out.push(line);
  }
  out.push('', '| statement | calls | cost before | cost after |', '|---|---:|---:|---:|');
  const byId = new Map(result.statements.map((s) => [s.statementId, s]));
  for (const s of r.statements) {
    const st = byId.get(s.statementId);
    out.push(
      `| \`${mdCell(oneLine(st?.query ?? s.statementId, 120))}\` | ${st?.calls ?? ''} | ${formatCost(s.costBefore)} | ${formatCost(s.costAfter)} |`,
    );
  }
  out.push('');
}

/** One recovered constant in words: where it came from, and whether the statement was costed with it. */
export function recoveredText(r: RecoveredConstant): string {
  // No backquotes: the line goes through mdCell, which turns them into ʼ.
  if (r.assumed) return `${r.site ? `the bound ${r.site}` : `$${r.param}`} costed as ${r.value} (assumed: ${r.assumed})`;
  if (r.site) {
    const what = `the bound ${r.site} (folded by the planner)`;
    return r.certain
      ? `${what} taken as ${r.value}: the value of every one of ${r.seen} executions seen (${r.source}); costed with it`
      : `${what} was ${r.value} in ${Math.round((r.share ?? 0) * 100)} % of ${r.seen} executions seen (${r.source}); its generic plan is costed`;
  }
  if (r.inferred) return `$${r.param} is likely ${r.value} (inferred: ${r.inferred}); not seen, so its generic plan is costed`;
  if (r.seen === undefined) return `$${r.param} taken as ${r.value} (from ${r.source}), which normalization had hidden`;
  if (r.certain)
    return `$${r.param} taken as ${r.value}: the value of every one of ${r.seen} executions seen (${r.source}); costed with it`;
  return `$${r.param} was ${r.value} in ${Math.round((r.share ?? 0) * 100)} % of ${r.seen} executions seen (${r.source}); its generic plan is costed`;
}
