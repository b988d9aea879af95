// Migrations safe to run on a live system: CONCURRENTLY builds (no write lock on the table), a
// lock_timeout so a busy table makes the step fail fast instead of queueing everyone behind it,
// IF NOT EXISTS so a rerun skips what is already built, and the matching down step.

import { requireValidIndexSql } from '../audit/checks.js';
import { rebuildSql } from '../audit/ddl.js';
import { createIndexSql, indexName } from '../candidates/indexDefinition.js';
import { quoteQualified } from '../db/quote.js';
import { formatBytes } from '../format.js';
import type { AdviceResult, Recommendation } from '../types.js';

/** Text for a `--` comment: one line, whatever identifiers with line breaks it quotes. */
function oneLineComment(s: string): string {
  return s.replace(/[\r\n]+/g, ' ');
}

const HEADER = (result: AdviceResult, direction: string) => `-- pg-index-advisor ${direction} migration, generated ${result.generatedAt}
-- Target: ${result.target} (PostgreSQL ${result.serverVersion})
-- Run it with psql, outside a transaction block: CONCURRENTLY cannot run inside one
-- (psql -v ON_ERROR_STOP=1 -f <this file>; most migration tools need "no transaction" for it).
`;

/** The migration creates what hypopg, a real build or the cost model priced; unverified proposals stay comments. */
export const isCreated = (r: Recommendation) => (r.verifiedBy ?? (r.verified ? 'hypopg' : 'none')) !== 'none';

export function migrationUp(result: AdviceResult): string {
  if (result.recommendations.length === 0) return `${HEADER(result, 'up')}-- No index to create.\n`;
  const lines = [
    HEADER(result, 'up'),
    `-- If a build fails (lock timeout, deadlock, unique violation) it leaves an INVALID index behind,`,
    `-- which IF NOT EXISTS would then skip: drop it first with the down step's statement, then rerun.`,
    `-- Check afterwards: SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid;`,
    `SET lock_timeout = '5s';`,
    `-- Building a large index takes long: do not let a role's statement_timeout cancel it.`,
    `SET statement_timeout = 0;`,
    '',
  ];
  const verified = result.recommendations.filter(isCreated);
  const unverified = result.recommendations.filter((r) => !isCreated(r));
  verified.forEach((r, i) => {
    lines.push(`-- ${i + 1}. ${oneLineComment(r.candidate.reasons.join('; '))}`);
    if (r.verifiedBy === 'model')
      lines.push('--    estimated (cost model): hypopg cannot simulate it; not built to check (--verify-real would)');
    lines.push(`--    saves ${(r.benefitShare * 100).toFixed(1)} % of the workload's estimated cost; ~${formatBytes(r.estimatedBytes)}`);
    lines.push(...createStatements(r), ...replaceStatements(r), '');
  });
  if (unverified.length) {
    lines.push('-- Unverified: hypopg cannot simulate these, so their benefit was not measured (see the report).');
    lines.push('-- Review them, or rerun the advisor with --verify-real <scratch database URL>, before uncommenting.');
    for (const r of unverified) {
      lines.push(`-- ${oneLineComment(r.candidate.reasons.join('; '))}`);
      lines.push(...createStatements(r).map((l) => `-- ${l}`), '');
    }
  }
  return lines.join('\n');
}

export function migrationDown(result: AdviceResult): string {
  const lines = [HEADER(result, 'down'), `SET lock_timeout = '5s';`, ''];
  for (const r of [...result.recommendations].reverse()) {
    const drop = [...restoreStatements(r), ...dropStatements(r)];
    lines.push(...(isCreated(r) ? drop : drop.map((l) => `-- ${l}`)));
  }
  if (result.recommendations.length === 0) lines.push('-- No index to drop.');
  return `${lines.join('\n')}\n`;
}

/** Each index the migration creates, as the statements that build it and drop it (no comments, no session settings). */
export interface IndexMigration {
  name: string;
  /** Why, in one line (the candidate's reasons). */
  summary: string;
  up: string[];
  down: string[];
  /** The last steps of `up` when the index replaces an existing one, each with its own way back (the first ones of `down`). */
  replacement?: Array<{ up: string; down: string }>;
}

/** The plain migration's statements, per index it creates: what the other migration formats are written from. */
export function indexMigrations(result: AdviceResult): IndexMigration[] {
  const statements = (lines: string[]) => lines.filter((l) => !l.startsWith('--'));
  return result.recommendations.filter(isCreated).map((r) => ({
    name: r.name,
    summary: oneLineComment(r.candidate.reasons.join('; ')),
    up: statements([...createStatements(r), ...replaceStatements(r)]),
    down: statements([...restoreStatements(r), ...dropStatements(r)]),
    replacement: replacementSteps(r),
  }));
}

/**
 * 'Drop X and add Y', after Y's build, as steps each with its way back: Y checked valid (a rerun
 * after a failed concurrent build would otherwise skip Y's INVALID leftover and drop the index that
 * works), then X dropped. Undone in reverse: X built again from its definition, X checked, (then Y
 * dropped by dropStatements).
 */
function replacementSteps(r: Recommendation): Array<{ up: string; down: string }> {
  const x = r.replaces;
  if (!x || !isCreated(r)) return [];
  const old = quoteQualified(x.schema, x.index);
  return [
    {
      up: requireValidIndexSql(r.candidate.schema, r.name, old),
      down: requireValidIndexSql(x.schema, x.index, quoteQualified(r.candidate.schema, r.name)),
    },
    { up: `DROP INDEX CONCURRENTLY IF EXISTS ${old};`, down: rebuildSql(x.definition, { partitioned: false, ifNotExists: true }) },
  ];
}

function replaceStatements(r: Recommendation): string[] {
  const steps = replacementSteps(r);
  if (!steps.length) return [];
  const x = r.replaces!;
  return [
    `-- replaces ${oneLineComment(quoteQualified(x.schema, x.index))}: with this index in place and it hidden from the planner (hypopg), none of ` +
      `${x.check.statementsCosted} statement(s) on the table costs more than 10 % more; gives back ~${formatBytes(x.bytes)}`,
    ...steps.map((st) => st.up),
  ];
}

/** The down step of a replacement: X built again and checked, before Y goes. */
function restoreStatements(r: Recommendation): string[] {
  const steps = replacementSteps(r);
  if (!steps.length) return [];
  return [
    `-- restores ${oneLineComment(quoteQualified(r.replaces!.schema, r.replaces!.index))}, which the up step replaced`,
    ...[...steps].reverse().map((st) => st.down),
  ];
}

function dropStatements(r: Recommendation): string[] {
  return r.candidate.partitions?.length
    ? [
        `-- ${quoteQualified(r.candidate.schema, r.candidate.table)} is partitioned: DROP INDEX CONCURRENTLY cannot drop a partitioned index;`,
        '-- this DROP locks the table and its partitions briefly (it drops the attached partition indexes too).',
        `DROP INDEX IF EXISTS ${quoteQualified(r.candidate.schema, r.name)};`,
      ]
    : [`DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(r.candidate.schema, r.name)};`];
}

/**
 * CREATE INDEX CONCURRENTLY is not allowed on a partitioned table: create the parent's index ON
 * ONLY the parent (instant, invalid until complete), build each partition's concurrently, and
 * attach them; the parent index becomes valid when the last partition is attached.
 */
function createStatements(r: Recommendation): string[] {
  const c = r.candidate;
  if (!c.partitions?.length) return [`${createIndexSql(c, { name: r.name, concurrently: true, ifNotExists: true })};`];
  const parent = createIndexSql(c, { name: r.name, ifNotExists: true, only: true });
  const out = [`-- ${quoteQualified(c.schema, c.table)} is partitioned: build per partition, then attach.`, `${parent};`];
  for (const p of c.partitions) {
    const partName =
      r.partitionIndexes?.find((x) => x.schema === p.schema && x.table === p.name)?.name ?? indexName({ ...c, table: p.name });
    out.push(`${createIndexSql({ ...c, schema: p.schema, table: p.name }, { name: partName, concurrently: true, ifNotExists: true })};`);
    out.push(`ALTER INDEX ${quoteQualified(c.schema, r.name)} ATTACH PARTITION ${quoteQualified(p.schema, partName)};`);
  }
  return out;
}
