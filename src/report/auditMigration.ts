// Up and down migrations for the audit's findings: DROP INDEX CONCURRENTLY (undone by the original
// definition), REINDEX INDEX CONCURRENTLY, the rebuild of invalid indexes and the CREATE INDEX
// CONCURRENTLY of indexes that foreign keys lack, partial indexes that replace mostly-NULL ones.
// Findings whose action is 'keep' have no SQL; 'review' findings (report only) appear in the up
// migration as comments, and nothing runs for them.

import { quoteQualified } from '../db/quote.js';
import { formatBytes } from '../format.js';
import type { AuditFinding, AuditResult } from '../types.js';

function header(r: AuditResult, direction: 'up' | 'down'): string[] {
  return [
    `-- pg-index-advisor audit: ${direction} migration, generated ${r.generatedAt}`,
    `-- Target: ${r.targets[0] ?? '?'} (PostgreSQL ${r.serverVersion})`,
    '-- Run it with psql, outside a transaction block (psql -v ON_ERROR_STOP=1 -f <this file>):',
    '-- DROP/CREATE INDEX CONCURRENTLY and REINDEX CONCURRENTLY cannot run inside one, so most migration',
    '-- tools need their "no transaction" mode for it. Each statement commits on its own.',
    '-- A busy table makes a statement fail after lock_timeout instead of queueing every other session',
    '-- behind it: rerun the file later (every statement can be rerun: IF EXISTS / IF NOT EXISTS).',
    '-- Where a new index replaces an old one, a DO block checks that the new one is valid before the old one',
    '-- is dropped (a failed CONCURRENTLY build leaves an INVALID index that IF NOT EXISTS would skip on a rerun).',
    "SET lock_timeout = '5s';",
    '-- CONCURRENTLY builds and REINDEX take as long as the index is big: a role or database',
    '-- statement_timeout must not cancel them half-way (that leaves an INVALID index behind).',
    'SET statement_timeout = 0;',
    '',
  ];
}

/** Text for a `--` comment: identifiers may hold line breaks, which would end the comment. */
const flat = (s: string) => s.replace(/[\r\n]+/g, ' ');

function describe(f: AuditFinding, i: number): string[] {
  const what = f.index ? quoteQualified(f.schema, f.index) : quoteQualified(f.schema, f.table);
  const lines = [`-- ${i}. ${f.kind}: ${flat(what)} (${f.action})`, `--    ${flat(f.summary)}`];
  if (f.reclaimableBytes) lines.push(`--    gives back ~${formatBytes(f.reclaimableBytes)}`);
  return lines;
}

const withSql = (r: AuditResult) => r.findings.filter((f) => f.action !== 'keep' && f.upSql.length > 0);

export function auditMigrationUp(r: AuditResult): string {
  const lines = header(r, 'up');
  const fs = withSql(r);
  if (!fs.length) lines.push('-- Nothing to do.');
  fs.forEach((f, i) => {
    lines.push(...describe(f, i + 1), ...f.upSql, '');
  });
  if (fs.some((f) => f.action === 'drop-and-recreate' || f.action === 'create' || f.action === 'replace')) {
    lines.push('-- Check afterwards that no build failed: SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;', '');
  }
  return `${lines.join('\n')}\n`;
}

export function auditMigrationDown(r: AuditResult): string {
  const lines = header(r, 'down');
  const fs = withSql(r);
  // Report-only findings ran nothing: nothing to undo (their way back is in the report).
  const undo = fs.map((f, i) => [f, i + 1] as const).filter(([f]) => f.action !== 'review');
  if (!undo.length) lines.push('-- Nothing to undo.');
  // Undo in the reverse order of the up migration.
  undo.reverse().forEach(([f, i]) => {
    lines.push(...describe(f, i), ...f.downSql, '');
  });
  return `${lines.join('\n')}\n`;
}
