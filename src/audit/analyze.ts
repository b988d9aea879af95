// The audit's judgement, as pure functions of what ./read.ts fetched: which existing indexes are
// invalid, duplicate, unused, redundant or bloated, and which foreign keys lack an index; the
// schema checks of ./checks.ts run in between and at the end.
//
// Order matters, because every drop must leave the schema still serving what the dropped index
// served:
//   1. invalid     - dead weight: dropped, rebuilt or left for review (./invalid.ts) whatever else is found
//   2. duplicate   - of identical indexes one stays (the one that backs a constraint, is unique, or is older)
//   3. unused      - judged on the scans of the whole duplicate group, so the survivor of a duplicate
//                    group is never dropped for being unused while its twin was used
//   4. redundant   - a b-tree that is a leading prefix of another b-tree that stays (after 1-3); on
//                    18+, one another b-tree serves by a skip scan is reported only (./skipScan.ts)
//   5. mostly-null-index - a b-tree that stays, on a mostly NULL leading column: replaced by a
//                    partial index (./checks.ts), so not reindexed below
//   6. bloated     - only indexes that stay
//   7. missing-fk-index
//   8. report-only schema checks (./checks.ts): boolean-index, btree-array-index (indexes that
//      stay), fk-type-mismatch, duplicate-fk
// Indexes that back a primary key, unique or exclusion constraint, that a foreign key references,
// that are the replica identity, or that enforce uniqueness, are never dropped: they go to `kept`.
import { quoteIdent, quoteQualified } from '../db/quote.js';
import { formatAge, formatBytes } from '../format.js';
import type { AuditFinding, AuditResult } from '../types.js';
import type { BloatFigure } from './bloat.js';
import {
  booleanIndexes,
  btreeArrayIndexes,
  type CheckInput,
  columnKey,
  duplicateForeignKeys,
  fkTypeMismatches,
  mostlyNullIndexes,
} from './checks.js';
import { dropIndexSql, fkIndexName, fkIndexSql, reindexSql, restoreIndexSql, sqlComment } from './ddl.js';
import { type DuplicateKeyCheck, judgeInvalidIndexes } from './invalid.js';
import { keySig, keysWithin, positionSig } from './keys.js';
import type { AuditColumn, AuditForeignKey, AuditIndex } from './model.js';
import { constraintProtection, dropProtection, fkSupporters, q, tq, usable } from './rules.js';
import { skipScanRedundant } from './skipScan.js';

export interface AuditThresholds {
  /** Statistics younger than this (on any host) → no unused findings. */
  minStatsAgeDays: number;
  /** An index with at most this many scans (summed over hosts) is unused. */
  maxScans: number;
  /**
   * PostgreSQL 16+: an index whose last scan (pg_stat_all_indexes.last_idx_scan, the latest over
   * the hosts) is older than this many days is unused whatever its scan count. 0 turns it off.
   */
  lastScanAgeDays: number;
  /** Bloated: share of the index a rebuild gives back above this (0..1)... */
  bloatRatio: number;
  /** ...and at least this many bytes given back. */
  bloatMinBytes: number;
  /** Mostly NULL: an index's leading key column has at least this share of NULLs (pg_stats.null_frac, 0..1). */
  nullFrac: number;
}

export const DEFAULT_THRESHOLDS: AuditThresholds = {
  minStatsAgeDays: 7,
  maxScans: 0,
  lastScanAgeDays: 30,
  bloatRatio: 0.3,
  bloatMinBytes: 10_000_000,
  nullFrac: 0.5,
};

export interface ScanSummary {
  /** Redacted host URLs, in the order of perHost. */
  hosts: string[];
  /**
   * Per `schema.index` key (see scanKey): the scans on each host, null where the host did not report
   * the index; its last scan (ISO, PG 16+) on each host and the latest of them.
   */
  byIndex: Map<string, { perHost: Array<number | null>; lastByHost: Array<string | null>; lastIdxScan: string | null }>;
  /** When the counters were read (ISO, the primary's clock), to age the last scans; default: now. */
  readAt?: string;
  /** Youngest statistics window over the hosts that answered, in seconds (null: unknown). */
  statsAgeSeconds: number | null;
  /** Start of that window (ISO) and the host it belongs to. */
  statsSince?: string | null;
  statsHost?: string;
  /** Set when unused findings must be withheld whatever the age (a host did not answer); says why. */
  withheld?: string;
}

export interface AnalyzeInput {
  indexes: AuditIndex[];
  foreignKeys: AuditForeignKey[];
  /** Names of all relations per schema (to name new indexes without clashes). */
  relationNames: Record<string, string[]>;
  scans: ScanSummary;
  /** Bloat figures by index oid. */
  bloat: Map<number, BloatFigure>;
  thresholds: AuditThresholds;
  /** The columns indexes hold, with their types and pg_stats (for the schema checks; none: those checks find nothing). */
  columns?: AuditColumn[];
  /** Duplicate keys of the invalid UNIQUE indexes, by index oid (./read.ts readDuplicateKeys); none: not checked. */
  duplicateKeys?: ReadonlyMap<number, DuplicateKeyCheck>;
  /** Major version of the primary (default 0: none of what newer servers do, such as 18's skip scan). */
  serverVersion?: number;
  /** block_size and MAXALIGN of the server (default 8192 and 8), for size estimates. */
  blockSize?: number;
  maxAlign?: number;
}

export type AnalyzeOutput = Pick<AuditResult, 'findings' | 'kept' | 'warnings'>;

export function scanKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

/** Everything that makes two indexes interchangeable, uniqueness aside. */
export function structureSig(ix: AuditIndex): string {
  return [ix.tableOid, ix.method, ix.keys.map(keySig).join(','), ix.include.map(positionSig).sort().join(','), ix.predicate ?? ''].join(
    '\u0001',
  );
}

/** Does `big` serve every query `small` serves? (b-tree, same predicate, small's keys a leading prefix of big's) */
export function covers(small: AuditIndex, big: AuditIndex): boolean {
  return keysWithin(small, big, 0);
}

function sameShape(a: AuditIndex, b: AuditIndex): boolean {
  return structureSig(a) === structureSig(b);
}

/** Keeper order within a duplicate group: constraint-backed, unique (NULLS NOT DISTINCT first), attached to a partitioned index, older. */
function keeperRank(ix: AuditIndex): number[] {
  return [
    ix.primary ? 0 : 1,
    constraintProtection(ix) ? 0 : 1,
    ix.unique ? 0 : 1,
    ix.nullsNotDistinct ? 0 : 1,
    ix.isPartition ? 0 : 1,
    ix.oid,
  ];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** Would dropping `dup` lose a uniqueness rule that `keeper` does not enforce? */
function losesUniqueness(dup: AuditIndex, keeper: AuditIndex): boolean {
  if (!dup.unique) return false;
  if (!keeper.unique) return true;
  return dup.nullsNotDistinct && !keeper.nullsNotDistinct;
}

/** The latest of some ISO timestamps (they sort as text), or null. */
function latest(times: Array<string | null | undefined>): string | null {
  return (
    times
      .filter((v): v is string => !!v)
      .sort()
      .at(-1) ?? null
  );
}

/**
 * How long (seconds) no host has scanned an index, where every host can tell: one that names its
 * last scan (last_idx_scan, PG 16+) since then, one that never scanned it for its whole statistics
 * window (the youngest window stands for each: it only makes the figure smaller). null when no host
 * names a last scan (the scan count alone decides), or one scanned it without saying when (before 16).
 */
export function idleSeconds(
  lastByHost: Array<string | null>,
  scansByHost: number[],
  statsAgeSeconds: number | null,
  readAt: number,
): number | null {
  const last = latest(lastByHost);
  if (!last) return null;
  let idle = (readAt - Date.parse(last)) / 1000;
  for (const [h, scans] of scansByHost.entries()) {
    if (lastByHost[h]) continue;
    if (scans > 0 || statsAgeSeconds === null) return null;
    idle = Math.min(idle, statsAgeSeconds);
  }
  return idle;
}

export function analyze(input: AnalyzeInput): AnalyzeOutput {
  const { indexes, thresholds: t, scans } = input;
  const findings: AuditFinding[] = [];
  const kept: AnalyzeOutput['kept'] = [];
  const warnings: string[] = [];
  const dropped = new Set<number>();
  const keep = (ix: AuditIndex, reason: string) => {
    if (!kept.some((k) => k.index === q(ix) && k.reason === reason)) kept.push({ index: q(ix), reason });
  };

  // 1. Invalid (./invalid.ts decides: drop, rebuild, REINDEX, or uncertain)
  const invalid = judgeInvalidIndexes({
    indexes,
    foreignKeys: input.foreignKeys,
    duplicateKeys: input.duplicateKeys ?? new Map(),
    isTwin: (ix, other) => sameShape(other, ix) && !losesUniqueness(ix, other),
  });
  findings.push(...invalid.findings);
  warnings.push(...invalid.warnings);
  kept.push(...invalid.kept);
  for (const oid of invalid.dropped) dropped.add(oid);
  const rebuilt = invalid.rebuilt.map((ix) => ({ ...ix, valid: true, ready: true, live: true, building: false }));

  // 2. Duplicates
  const groups = new Map<string, AuditIndex[]>();
  for (const ix of indexes) {
    if (!usable(ix) || dropped.has(ix.oid)) continue;
    const sig = structureSig(ix);
    const g = groups.get(sig);
    if (g) g.push(ix);
    else groups.set(sig, [ix]);
  }
  /** Survivor oid → the duplicates dropped in its favour (their scans count as its own). */
  const dupsOf = new Map<number, AuditIndex[]>();
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const sorted = [...group].sort((a, b) => compareRank(keeperRank(a), keeperRank(b)));
    const keeper = sorted[0]!;
    for (const dup of sorted.slice(1)) {
      if (dup.isPartition) continue; // dropped with its parent, which is compared at its own level
      const evidence: AuditFinding['evidence'] = {
        duplicateOf: q(keeper),
        definition: dup.definition,
        keptDefinition: keeper.definition,
        bytes: dup.bytes,
      };
      const protection = constraintProtection(dup);
      if (protection) {
        keep(dup, `duplicate of ${q(keeper)}, but it ${protection}`);
        findings.push({
          kind: 'duplicate',
          schema: dup.schema,
          table: dup.table,
          index: dup.name,
          action: 'keep',
          summary:
            `Index ${q(dup)} duplicates ${q(keeper)} but ${protection}: it is kept. ` +
            'If the constraint is not needed twice, drop the constraint (ALTER TABLE ... DROP CONSTRAINT) instead.',
          evidence,
          bytes: dup.bytes,
          upSql: [],
          downSql: [],
        });
        continue;
      }
      if (losesUniqueness(dup, keeper)) {
        keep(dup, `same columns as ${q(keeper)}, but it enforces a uniqueness rule that one does not (NULLS NOT DISTINCT)`);
        continue;
      }
      dropped.add(dup.oid);
      dupsOf.set(keeper.oid, [...(dupsOf.get(keeper.oid) ?? []), dup]);
      findings.push({
        kind: 'duplicate',
        schema: dup.schema,
        table: dup.table,
        index: dup.name,
        action: 'drop',
        summary:
          `Index ${q(dup)} is an exact duplicate of ${q(keeper)} ` +
          `(same columns, operator classes, collations, order, predicate and method): drop it (gives back ${formatBytes(dup.bytes)}).`,
        evidence,
        bytes: dup.bytes,
        reclaimableBytes: dup.bytes,
        upSql: dropIndexSql(dup),
        downSql: restoreIndexSql(dup),
      });
    }
  }

  // 3. Unused: no more than maxScans over a window of minStatsAgeDays, or (16+) no scan for lastScanAgeDays
  const minAge = t.minStatsAgeDays * 86400;
  const ageKnown = scans.statsAgeSeconds !== null;
  const oldEnough = ageKnown && scans.statsAgeSeconds! >= minAge;
  const lastScanWindow = t.lastScanAgeDays * 86400;
  const readAt = scans.readAt ? Date.parse(scans.readAt) : Date.now();
  const scanOf = (ix: AuditIndex) => scans.byIndex.get(scanKey(ix.schema, ix.name));
  let zeroButYoung = 0;
  const missingOnHosts: string[] = [];
  for (const ix of indexes) {
    if (!usable(ix) || dropped.has(ix.oid) || ix.isPartition) continue;
    const members = [ix, ...(dupsOf.get(ix.oid) ?? [])];
    const perHost = scans.hosts.map((_, h) => {
      let sum: number | null = 0;
      for (const m of members) {
        const v = scanOf(m)?.perHost[h];
        sum = v === null || v === undefined || sum === null ? null : sum + v;
      }
      return sum;
    });
    if (perHost.some((v) => v === null)) {
      missingOnHosts.push(q(ix));
      continue;
    }
    const total = (perHost as number[]).reduce((a, b) => a + b, 0);
    const lastByHost = scans.hosts.map((_, h) => latest(members.map((m) => scanOf(m)?.lastByHost[h] ?? null)));
    const idle = lastScanWindow > 0 ? idleSeconds(lastByHost, perHost as number[], scans.statsAgeSeconds, readAt) : null;
    const byLastScan = idle !== null && idle >= lastScanWindow;
    const byCount = total <= t.maxScans && oldEnough;
    if (!byCount && !byLastScan) {
      if (total <= t.maxScans && !scans.withheld && !dropProtection(ix)) zeroButYoung++;
      continue;
    }
    if (scans.withheld) continue;
    const protection = dropProtection(ix);
    const countText = `${total} scan${total === 1 ? '' : 's'}${ageKnown ? ` in ${formatAge(scans.statsAgeSeconds!)}` : ''}`;
    const scanText = byCount ? countText : `last scanned ${formatAge(idle)} ago (${countText})`;
    if (protection) {
      keep(ix, `${scanText}, but it ${protection}`);
      continue;
    }
    const fkNeeds = input.foreignKeys.filter((fk) => {
      const s = fkSupporters(fk, indexes, dropped);
      return s.length > 0 && s.every((o) => o.oid === ix.oid);
    });
    if (fkNeeds.length) {
      keep(
        ix,
        `${scanText}, but it is the only index for foreign key ${fkNeeds.map((f) => `"${f.name}"`).join(', ')}: ` +
          `without it every DELETE/UPDATE of a referenced key scans ${tq(ix)}`,
      );
      continue;
    }
    dropped.add(ix.oid);
    const evidence: AuditFinding['evidence'] = {
      scans: total,
      maxScans: t.maxScans,
      statsAge: formatAge(scans.statsAgeSeconds),
      statsAgeSeconds: ageKnown ? Math.round(scans.statsAgeSeconds!) : null,
      statsSince: scans.statsSince ?? null,
      hosts: scans.hosts.length,
      lastIdxScan: latest(lastByHost),
      bytes: ix.bytes,
      definition: ix.definition,
    };
    if (idle !== null && latest(lastByHost)) {
      evidence.lastScanAge = formatAge(idle);
      evidence.lastScanAgeSeconds = Math.round(idle);
    }
    if (!byCount) evidence.lastScanAgeDays = t.lastScanAgeDays;
    if (scans.hosts.length > 1) evidence.scansByHost = scans.hosts.map((h, i) => `${h}: ${perHost[i]}`).join('; ');
    if (members.length > 1) evidence.includesScansOfDuplicates = members.slice(1).map(q).join(', ');
    const onHosts = scans.hosts.length > 1 ? ` on ${scans.hosts.length} hosts` : '';
    const drop = `drop it (gives back ${formatBytes(ix.bytes)}; writes no longer maintain it).`;
    findings.push({
      kind: 'unused',
      schema: ix.schema,
      table: ix.table,
      index: ix.name,
      action: 'drop',
      summary: byCount
        ? `Index ${q(ix)} was scanned ${total} time${total === 1 ? '' : 's'} in ${formatAge(scans.statsAgeSeconds!)}${onHosts}: ${drop}`
        : `Index ${q(ix)} was last used ${formatAge(idle)} ago${onHosts ? ` (the latest scan${onHosts})` : ''}, ` +
          `beyond ${formatAge(lastScanWindow)} (--last-scan-age), though it counts ${countText}: ${drop}`,
      evidence,
      bytes: ix.bytes,
      reclaimableBytes: ix.bytes,
      upSql: dropIndexSql(ix),
      downSql: restoreIndexSql(ix),
    });
  }
  if (scans.withheld) warnings.push(scans.withheld);
  else if (!ageKnown) warnings.push('The age of the statistics is unknown: unused indexes are not reported.');
  else if (!oldEnough) {
    warnings.push(
      `statistics too young: ${formatAge(scans.statsAgeSeconds!)}` +
        `${scans.statsSince ? ` (since ${scans.statsSince}${scans.statsHost ? ` on ${scans.statsHost}` : ''})` : ''}` +
        `; unused indexes are reported only after ${formatAge(t.minStatsAgeDays * 86_400)} (--min-stats-age)` +
        (lastScanWindow > 0
          ? `, or when their last scan is older than ${formatAge(lastScanWindow)} (--last-scan-age, PostgreSQL 16+)`
          : '') +
        '. ' +
        `${zeroButYoung} droppable index${zeroButYoung === 1 ? ' has' : 'es have'} at most ${t.maxScans} scans so far.`,
    );
  }
  if (findings.some((f) => f.kind === 'unused')) {
    warnings.push(
      `Unused is judged over the statistics window (${formatAge(scans.statsAgeSeconds ?? 0)}): an index created within it had less time to be used, ` +
        'and the catalogs do not record when an index was built. Check recently added indexes before dropping them.',
    );
  }
  if (missingOnHosts.length) {
    warnings.push(
      `Not every host reports scans for ${missingOnHosts.join(', ')} (index missing on a replica, or a different schema): not judged as unused.`,
    );
  }

  // 4. Redundant
  const btrees = indexes.filter((ix) => ix.method === 'btree' && usable(ix)).sort((a, b) => a.keys.length - b.keys.length || a.oid - b.oid);
  for (const x of btrees) {
    if (dropped.has(x.oid) || x.isPartition) continue;
    const coverers = btrees.filter((y) => !dropped.has(y.oid) && covers(x, y) && !sameShape(x, y));
    if (!coverers.length) continue;
    const y = coverers.sort((a, b) => b.keys.length - a.keys.length || b.include.length - a.include.length || a.oid - b.oid)[0]!;
    const protection = dropProtection(x);
    if (protection) {
      keep(x, `its keys are a leading prefix of ${q(y)}, but it ${protection}`);
      continue;
    }
    dropped.add(x.oid);
    const sx = scanOf(x);
    const sy = scanOf(y);
    const sum = (s: typeof sx) => (s?.perHost.every((v) => v !== null) ? (s.perHost as number[]).reduce((a, b) => a + b, 0) : null);
    findings.push({
      kind: 'redundant',
      schema: x.schema,
      table: x.table,
      index: x.name,
      action: 'drop',
      summary:
        `Index ${q(x)} is redundant: its keys are a leading prefix of ${q(y)} (same predicate, order, operator classes), ` +
        `which serves the same lookups; drop it (gives back ${formatBytes(x.bytes)}).`,
      evidence: {
        redundantWith: q(y),
        definition: x.definition,
        coveringDefinition: y.definition,
        scans: sum(sx),
        coveringScans: sum(sy),
        bytes: x.bytes,
        coveringBytes: y.bytes,
      },
      bytes: x.bytes,
      reclaimableBytes: x.bytes,
      upSql: dropIndexSql(x),
      downSql: restoreIndexSql(x),
    });
  }

  // 4b. On 18+, a b-tree another one serves by a skip scan: report only (./skipScan.ts)
  const columnsByKey = new Map((input.columns ?? []).map((c) => [columnKey(c.tableOid, c.attnum), c]));
  findings.push(...skipScanRedundant({ indexes, columns: columnsByKey, dropped, serverVersion: input.serverVersion ?? 0 }));

  // 5. Mostly NULL leading key: replaced by a partial index where that is safe
  const taken = new Map<string, Set<string>>();
  for (const [schema, names] of Object.entries(input.relationNames)) taken.set(schema, new Set(names));
  const checkInput = (): CheckInput => ({
    indexes,
    foreignKeys: input.foreignKeys,
    columns: columnsByKey,
    dropped,
    taken,
    nullFrac: t.nullFrac,
    blockSize: input.blockSize ?? 8192,
    maxAlign: input.maxAlign ?? 8,
  });
  const mostlyNull = mostlyNullIndexes(checkInput());
  findings.push(...mostlyNull.findings);
  for (const oid of mostlyNull.replaced) dropped.add(oid);

  // 6. Bloated
  for (const ix of indexes) {
    if (dropped.has(ix.oid) || !usable(ix) || ix.relkind !== 'i') continue;
    const b = input.bloat.get(ix.oid);
    if (!b || !(b.ratio > t.bloatRatio) || !(b.reclaimableBytes > t.bloatMinBytes)) continue;
    findings.push({
      kind: 'bloated',
      schema: ix.schema,
      table: ix.table,
      index: ix.name,
      action: 'reindex',
      summary:
        `Index ${q(ix)} is ~${Math.round(b.ratio * 100)} % bloated ` +
        `(${b.source === 'pgstatindex' ? 'measured by pgstatindex()' : 'estimated from statistics'}): ` +
        `REINDEX INDEX CONCURRENTLY gives back ~${formatBytes(b.reclaimableBytes)} of ${formatBytes(ix.bytes)} ` +
        '(it needs room for a second copy while it runs).',
      evidence: {
        bloatRatio: Math.round(b.ratio * 1000) / 1000,
        reclaimableBytes: Math.round(b.reclaimableBytes),
        bytes: ix.bytes,
        ...b.evidence,
      },
      bytes: ix.bytes,
      reclaimableBytes: Math.round(b.reclaimableBytes),
      upSql: [reindexSql(ix)],
      downSql: [sqlComment(`REINDEX of ${q(ix)} changes no definition: nothing to undo.`)],
    });
  }

  // 7. Foreign keys without an index on the referencing side
  // (an invalid index the migration builds again serves its foreign key: nothing is created beside it)
  for (const fk of input.foreignKeys) {
    if (fkSupporters(fk, indexes).length || fkSupporters(fk, rebuilt).length) continue;
    const names = taken.get(fk.schema) ?? new Set<string>();
    taken.set(fk.schema, names);
    const name = fkIndexName(fk, names);
    const sql = fkIndexSql(fk, name);
    findings.push({
      kind: 'missing-fk-index',
      schema: fk.schema,
      table: fk.table,
      action: 'create',
      summary:
        `Foreign key ${quoteIdent(fk.name)} on ${tq(fk)} (${fk.columns.map(quoteIdent).join(', ')}) → ` +
        `${quoteQualified(fk.refSchema, fk.refTable)} has no index whose leading columns are its columns: ` +
        `every DELETE or key UPDATE on ${quoteQualified(fk.refSchema, fk.refTable)} (and joins on the key) scans ${tq(fk)}. ` +
        `Create ${quoteIdent(name)}.`,
      evidence: {
        foreignKey: fk.name,
        columns: fk.columns.join(', '),
        references: quoteQualified(fk.refSchema, fk.refTable),
        tableRows: Math.round(fk.tableRows),
        tableBytes: fk.tableBytes,
        newIndex: name,
      },
      foreignKey: { name: fk.name, columns: [...fk.columns] },
      upSql: sql.up,
      downSql: sql.down,
    });
  }

  // 8. Report only: boolean and array keys, foreign keys of another type, duplicate foreign keys
  const rest = checkInput();
  findings.push(...booleanIndexes(rest), ...btreeArrayIndexes(rest), ...fkTypeMismatches(rest), ...duplicateForeignKeys(rest));

  return { findings, kept, warnings };
}
