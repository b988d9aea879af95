// Markdown for `pg-index-advisor audit` and the audit section of the nightly report.

import { AUDIT_CHECKS } from '../audit/checks.js';
import { quoteQualified } from '../db/quote.js';
import { formatAge, formatBytes, oneLine } from '../format.js';
import type { AuditFinding, AuditFindingKind, AuditResult } from '../types.js';
import { mdCell } from './format.js';
import { slowerTable } from './hiding.js';

/** Identifiers may hold line breaks: they would break a paragraph or a table row. */
const flat = (s: string) => s.replace(/[\r\n]+/g, ' ');
const cell = (s: string) => mdCell(flat(s));

const KIND_TITLES = Object.fromEntries(AUDIT_CHECKS.map((c) => [c.kind, c.title])) as Record<AuditFindingKind, string>;
const KIND_ORDER: AuditFindingKind[] = AUDIT_CHECKS.map((c) => c.kind);
const KIND_DESCRIPTIONS = Object.fromEntries(AUDIT_CHECKS.map((c) => [c.kind, c.description])) as Record<AuditFindingKind, string>;

/** A code fence longer than any run of backticks in the text. */
function fence(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(Math.max(3, longest + 1));
}

function evidenceValue(key: string, v: string | number | boolean | null): string {
  if (v === null) return '–';
  if (typeof v === 'number' && /bytes$/i.test(key)) return `${formatBytes(v)} (${v})`;
  if (typeof v === 'string' && /definition$/i.test(key)) return `\`${cell(oneLine(v, 200))}\``;
  return cell(String(v));
}

function findingBlock(f: AuditFinding, n: number, level: number): string[] {
  const h = '#'.repeat(level);
  const what = f.index ? quoteQualified(f.schema, f.index) : quoteQualified(f.schema, f.table);
  const out = [`${h} ${n}. \`${cell(what)}\` — ${f.action}`, '', flat(f.summary), ''];
  const facts: string[] = [];
  if (f.bytes !== undefined) facts.push(`size ${formatBytes(f.bytes)}`);
  if (f.reclaimableBytes !== undefined) facts.push(`gives back ${formatBytes(f.reclaimableBytes)}`);
  if (facts.length) out.push(`- ${facts.join(', ')}`, '');
  if (f.confirmedByHiding) {
    const c = f.confirmedByHiding;
    out.push(
      c.slower.length === 0
        ? `- Confirmed by hiding: no statement slower (${c.statementsCosted} statement(s) on its table costed with it hidden from the planner, against ${c.against})`
        : `- Not confirmed by hiding: ${c.slower.length} of ${c.statementsCosted} statement(s) on its table more than 10 % dearer with it hidden (against ${c.against})`,
      ...slowerTable(c),
      '',
    );
  }
  const entries = Object.entries(f.evidence);
  if (entries.length) {
    out.push('| evidence | value |', '|---|---|');
    for (const [k, v] of entries) out.push(`| ${cell(k)} | ${evidenceValue(k, v)} |`);
    out.push('');
  }
  if (f.upSql.length) {
    const up = f.upSql.join('\n');
    const fu = fence(up);
    out.push('Up:', '', `${fu}sql`, up, fu, '');
  }
  if (f.downSql.length) {
    const down = f.downSql.join('\n');
    const fd = fence(down);
    out.push('Down:', '', `${fd}sql`, down, fd, '');
  }
  return out;
}

/**
 * The audit as a Markdown section whose title has `level` hashes (the nightly report embeds it at
 * level 2; the stand-alone report is auditMarkdown()).
 */
export function auditMarkdownSection(r: AuditResult, level = 2, title = 'Existing indexes (audit)'): string {
  const h = (k: number) => '#'.repeat(level + k);
  const out: string[] = [`${h(0)} ${title}`, ''];
  out.push(
    `- Target${r.targets.length > 1 ? 's' : ''}: ${r.targets.map((t, i) => `\`${mdCell(t)}\`${i === 0 ? ' (primary)' : ''}`).join(', ')}`,
  );
  out.push(`- PostgreSQL ${r.serverVersion}; generated ${r.generatedAt}`);
  const hostAges = (r.hosts ?? []).filter((x) => x.ok);
  const since = hostAges.map(
    (x) => `${mdCell(x.target)}: since ${x.statsSince ?? '?'} (${x.statsSinceSource === 'stats_reset' ? 'stats_reset' : 'server start'})`,
  );
  out.push(`- Statistics age: ${formatAge(r.statsAgeSeconds)}${since.length ? ` — ${since.join('; ')}` : ''}`);
  if (r.settings) {
    const s = r.settings;
    out.push(
      `- Thresholds: unused = at most ${s.maxScans} scans over at least ${formatAge(s.minStatsAgeDays * 86_400)}` +
        (s.lastScanAgeDays ? `, or last scanned over ${formatAge(s.lastScanAgeDays * 86_400)} ago (PostgreSQL 16+)` : '') +
        '; ' +
        `bloated = over ${Math.round(s.bloatRatio * 100)} % and ${formatBytes(s.bloatMinBytes)} to give back (bloat from ${s.bloatSource})` +
        (s.nullFrac === undefined ? '' : `; mostly NULL = at least ${Math.round(s.nullFrac * 100)} % NULL in the leading key column`),
    );
  }
  const reclaim = r.findings.reduce((a, f) => a + (f.reclaimableBytes ?? 0), 0);
  out.push(
    `- ${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}; the migration gives back about ${formatBytes(reclaim)}`,
    '',
  );
  for (const w of r.warnings) out.push(`> **Warning:** ${flat(w)}`, '');

  out.push('| finding | count | gives back |', '|---|---:|---:|');
  for (const kind of KIND_ORDER) {
    const fs = r.findings.filter((f) => f.kind === kind);
    out.push(`| ${KIND_TITLES[kind]} | ${fs.length} | ${formatBytes(fs.reduce((a, f) => a + (f.reclaimableBytes ?? 0), 0))} |`);
  }
  out.push('');

  for (const kind of KIND_ORDER) {
    const fs = r.findings.filter((f) => f.kind === kind);
    if (!fs.length) continue;
    out.push(`${h(1)} ${KIND_TITLES[kind]}`, '', `\`${kind}\`: ${KIND_DESCRIPTIONS[kind]}`, '');
    for (const [i, f] of fs.entries()) out.push(...findingBlock(f, i + 1, level + 2));
  }

  if (r.kept.length) {
    out.push(`${h(1)} Kept`, '', 'Indexes a finding would have dropped, and why they stay:', '', '| index | reason |', '|---|---|');
    for (const k of r.kept) out.push(`| \`${cell(k.index)}\` | ${cell(k.reason)} |`);
    out.push('');
  }
  if (r.findings.some((f) => f.action === 'review')) {
    out.push(
      'Findings marked `review` are reported only: their SQL is a comment to run by hand after checking, and the migration runs nothing for them.',
      '',
    );
  }
  if (r.findings.some((f) => f.upSql.length && f.action !== 'review')) {
    out.push(
      'Apply with `psql -v ON_ERROR_STOP=1 -f audit.up.sql` (outside a transaction block: CONCURRENTLY cannot run inside one); `audit.down.sql` undoes it.',
      '',
    );
  }
  return out.join('\n');
}

export function auditMarkdown(r: AuditResult): string {
  return auditMarkdownSection(r, 1, 'Index audit');
}
