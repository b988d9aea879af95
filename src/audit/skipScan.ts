// PostgreSQL 18+: a b-tree (b) beside a b-tree (a, b) whose leading column has few values. The
// wider index serves `b = $1` by a skip scan (../catalog/skipScan.ts), so on 18 (b) may be
// redundant where on 15 it was the only index for those lookups. Report only (action `review`):
// (b) still answers a lookup in one index search instead of one per value of a, and it serves
// ranges and ORDER BY on b, which a skip scan serves less well or not at all; the audit cannot see
// the queries, and the planner keeps choosing (b) while it exists, so its scans never show it idle.
import { skipScanServes } from '../catalog/skipScan.js';
import { formatBytes } from '../format.js';
import type { AuditFinding } from '../types.js';
import { columnKey } from './checks.js';
import { dropIndexSql, sqlComment } from './ddl.js';
import { keysWithin } from './keys.js';
import type { AuditColumn, AuditIndex } from './model.js';
import { dropProtection, q, usable } from './rules.js';

export interface SkipScanInput {
  indexes: AuditIndex[];
  /** Index columns with their statistics, by columnKey(). */
  columns: ReadonlyMap<string, AuditColumn>;
  /** Indexes an earlier finding drops: neither judged nor counted on. */
  dropped: ReadonlySet<number>;
  serverVersion: number;
}

/**
 * How `big` serves `small`'s lookups by a skip scan: its first keys are plain columns with few
 * values, then come small's keys in order; small's INCLUDE columns are in big; same predicate.
 */
export function skipScanCover(
  small: AuditIndex,
  big: AuditIndex,
  columns: ReadonlyMap<string, AuditColumn>,
  serverVersion: number,
): { skipped: string[]; searches: number } | undefined {
  for (let skip = 1; skip + small.keys.length <= big.keys.length; skip++) {
    const lead = big.keys.slice(0, skip);
    if (lead.some((k) => k.attnum === 0)) return undefined;
    const stats = lead.map((k) => columns.get(columnKey(big.tableOid, k.attnum)));
    const searches = skipScanServes(
      serverVersion,
      stats.map((c) => (c?.stats?.nDistinct === undefined ? undefined : { nDistinct: c.stats.nDistinct, nullFrac: c.stats.nullFrac })),
    );
    if (searches === undefined) return undefined;
    if (keysWithin(small, big, skip)) return { skipped: lead.map((k) => k.column ?? k.text), searches };
  }
  return undefined;
}

/** `redundant` findings with the action `review`: b-trees another one serves by a skip scan (18+). */
export function skipScanRedundant(input: SkipScanInput): AuditFinding[] {
  const findings: AuditFinding[] = [];
  const live = input.indexes.filter((ix) => ix.method === 'btree' && usable(ix) && !input.dropped.has(ix.oid) && !ix.isPartition);
  for (const small of live) {
    if (dropProtection(small)) continue;
    for (const big of live) {
      const cover = skipScanCover(small, big, input.columns, input.serverVersion);
      if (!cover) continue;
      const over = cover.skipped.join(', ');
      const blocker =
        `${q(small)} answers a lookup in one index search, ${q(big)} in ${cover.searches}; ` +
        `ranges and ORDER BY on ${small.keys.map((k) => k.text).join(', ')} may still need ${q(small)}`;
      findings.push({
        kind: 'redundant',
        schema: small.schema,
        table: small.table,
        index: small.name,
        action: 'review',
        summary:
          `Index ${q(small)} may be redundant on PostgreSQL ${input.serverVersion}: ${q(big)} serves its equality lookups by a skip scan ` +
          `over ${over} (${cover.searches} index searches). Not done by the migration: ${blocker}. If no query needs that, ` +
          `drop it (gives back ${formatBytes(small.bytes)}); to see the plans without it first, ` +
          `SELECT hypopg_hide_index('${q(small).replace(/'/g, "''")}'::regclass) in a session and EXPLAIN the queries.`,
        evidence: {
          redundantWith: q(big),
          definition: small.definition,
          coveringDefinition: big.definition,
          skipScanOver: over,
          skipScanSearches: cover.searches,
          reportOnly: blocker,
          bytes: small.bytes,
        },
        bytes: small.bytes,
        upSql: [
          sqlComment('Report only: nothing here runs. If no query needs it for ranges or ordering:'),
          ...dropIndexSql(small).map((s) => (s.startsWith('--') ? s : sqlComment(s))),
        ],
        downSql: [],
      });
      break;
    }
  }
  return findings;
}
