// `pg-index-advisor audit`: examines the indexes that already exist on a database (and the scan
// counters of its replicas) and reports unused, duplicate, redundant, invalid and bloated indexes,
// foreign keys without an index, and the schema checks of ./checks.ts (mostly NULL, boolean and
// array keys, foreign keys of another type, duplicate foreign keys), each with its evidence and a
// migration (or, for what only a person can decide, the SQL as a comment).
//
// The first URL is the primary: its catalogs decide which indexes exist, and the migration is for
// it. Every further URL is a replica (or any other host with the same schema): only its scan
// counters are read, matched by schema + index name, and an index is unused only if no host used it.
// Every session is read-only with a statement_timeout; the role needs pg_monitor and nothing else.
import type pg from 'pg';
import { readCatalog } from '../catalog/readCatalog.js';
import { catalogCovers } from '../catalog/scope.js';
import { ConnectionError, connect, redactUrl } from '../db/connect.js';
import { errorScope, SessionLostError, sqlstateOf } from '../db/errors.js';
import type { AuditHost, AuditResult, Catalog } from '../types.js';
import { type AuditThresholds, analyze, DEFAULT_THRESHOLDS, type ScanSummary, scanKey } from './analyze.js';
import { type BloatFigure, estimateBtreeBloat, pgstatindexBloat } from './bloat.js';
import { auditIndexes } from './fromCatalog.js';
import type { DuplicateKeyCheck } from './invalid.js';
import type { AuditColumn, IndexRow, IndexScanStats } from './model.js';
import {
  type HostInfo,
  pgstattupleSchema,
  readColumnStats,
  readDuplicateKeys,
  readForeignKeys,
  readHostInfo,
  readIndexColumns,
  readIndexScans,
  readPgstatindex,
  readRelationNames,
} from './read.js';

export interface AuditOptions {
  /** Connection URLs: the primary first, then replicas. */
  urls: string[];
  /** Statistics younger than this many days → no index is called unused (default 7; 0 disables the check). */
  minStatsAgeDays?: number;
  /** An index with at most this many scans, summed over all hosts, is unused (default 0). */
  maxScans?: number;
  /**
   * PostgreSQL 16+: an index whose latest last_idx_scan over the hosts is older than this many days
   * is unused whatever its scan count (default 30; 0 turns the rule off).
   */
  lastScanAgeDays?: number;
  /** Bloated when a REINDEX would give back more than this share of the index (0..1, default 0.3)... */
  bloatRatio?: number;
  /** ...and more than this many bytes (default 10 MB, 10^7). */
  bloatMinBytes?: number;
  /** Mostly NULL: an index's leading key column has at least this share of NULLs (0..1, default 0.5). */
  nullFrac?: number;
  /** statement_timeout of the audit's sessions in ms (default 30 s). */
  statementTimeoutMs?: number;
  /** Only these schemas (default: every non-system schema). */
  schemas?: string[];
  /** Use pgstattuple's pgstatindex() when installed (default true). It reads each index it measures in full. */
  usePgstattuple?: boolean;
  /**
   * The primary's catalog, already read (the nightly report reads it once for the advice and the
   * audit). Without it, or when it was read for other schemas, the audit reads it on the primary.
   */
  catalog?: Catalog;
}

/** An error that names the host (URL redacted) and says what to do about it. */
export class AuditError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'AuditError';
  }
}

function urlUser(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username) || '<role>';
  } catch {
    return '<role>';
  }
}

/** A message that names the host and, for a permission problem, what to grant. */
export function describeHostError(err: unknown, url: string, user?: string): string {
  const target = redactUrl(url);
  const e = err as { message?: string; code?: string };
  const message = e?.message ?? String(err);
  const role = user ?? urlUser(url);
  // By SQLSTATE (the message follows the server's lc_messages), the error's own or, for a failed connection, its cause's.
  if ((sqlstateOf(err) ?? sqlstateOf((err as { cause?: unknown } | null)?.cause)) === '42501') {
    return (
      `${target}: permission denied (${message}). The audit reads only catalogs and statistics: ` +
      `GRANT pg_monitor TO ${role}; (and CONNECT on the database).`
    );
  }
  if (err instanceof ConnectionError) {
    return (
      `${message}. Check that the server runs and accepts this connection (host, port, pg_hba.conf, password), ` +
      `that the role can LOGIN and has CONNECT on the database, and GRANT pg_monitor TO ${role}; for the statistics.`
    );
  }
  return `${target}: ${message}`;
}

function checkOptions(opts: AuditOptions): AuditThresholds {
  if (!opts.urls?.length) throw new AuditError('audit needs at least one database URL (--db)');
  const t: AuditThresholds = {
    minStatsAgeDays: opts.minStatsAgeDays ?? DEFAULT_THRESHOLDS.minStatsAgeDays,
    maxScans: opts.maxScans ?? DEFAULT_THRESHOLDS.maxScans,
    lastScanAgeDays: opts.lastScanAgeDays ?? DEFAULT_THRESHOLDS.lastScanAgeDays,
    bloatRatio: opts.bloatRatio ?? DEFAULT_THRESHOLDS.bloatRatio,
    bloatMinBytes: opts.bloatMinBytes ?? DEFAULT_THRESHOLDS.bloatMinBytes,
    nullFrac: opts.nullFrac ?? DEFAULT_THRESHOLDS.nullFrac,
  };
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new AuditError(`audit: ${k} must be a number ≥ 0 (got ${v})`);
  }
  if (t.bloatRatio > 1) throw new AuditError(`audit: bloatRatio is a share between 0 and 1 (got ${t.bloatRatio})`);
  if (t.nullFrac > 1) throw new AuditError(`audit: nullFrac is a share between 0 and 1 (got ${t.nullFrac})`);
  return t;
}

interface HostRead {
  info: HostInfo;
  scans: IndexScanStats[];
}

async function readHost(client: pg.Client, schemas: string[] | undefined): Promise<HostRead> {
  const info = await readHostInfo(client);
  const scans = await readIndexScans(client, info.serverVersion, schemas);
  return { info, scans };
}

export async function audit(opts: AuditOptions): Promise<AuditResult> {
  const thresholds = checkOptions(opts);
  const generatedAt = new Date().toISOString();
  const targets = opts.urls.map(redactUrl);
  const schemas = opts.schemas?.length ? opts.schemas : undefined;
  const connectOpts = { statementTimeoutMs: opts.statementTimeoutMs ?? 30_000, readOnly: true, applicationName: 'pg-index-advisor audit' };
  const warnings: string[] = [];
  const clients: pg.Client[] = [];

  try {
    // The primary: any failure is fatal.
    const primaryUrl = opts.urls[0]!;
    let primary: pg.Client;
    try {
      primary = await connect(primaryUrl, connectOpts);
    } catch (err) {
      throw new AuditError(describeHostError(err, primaryUrl), err);
    }
    clients.push(primary);
    let primaryUser: string | undefined;
    /** Runs a query step on the primary; its errors become AuditErrors that name the host and what to grant. */
    const onPrimary = async <T>(step: () => Promise<T>): Promise<T> => {
      try {
        return await step();
      } catch (err) {
        // A lost connection stays one (the caller may try again); anything else names the host and what to grant.
        if (errorScope(err, primary) === 'connection') throw new SessionLostError(describeHostError(err, primaryUrl, primaryUser), err);
        throw new AuditError(describeHostError(err, primaryUrl, primaryUser), err);
      }
    };
    const primaryRead = await onPrimary(() => readHost(primary, schemas));
    primaryUser = primaryRead.info.currentUser;
    const catalog =
      opts.catalog && catalogCovers(opts.catalog, schemas)
        ? opts.catalog
        : await onPrimary(() => readCatalog(primary, schemas ? { schemas } : {}));
    const indexes = auditIndexes(catalog, schemas);
    if (catalog.lockedTables?.length) {
      warnings.push(
        `${catalog.lockedTables.join(', ')}: locked ACCESS EXCLUSIVE by another session while the catalog was read, ` +
          'so their indexes and foreign keys were not audited.',
      );
    }
    const foreignKeys = await onPrimary(() => readForeignKeys(primary, schemas));
    const columns = withStats(await onPrimary(() => readIndexColumns(primary, schemas)), catalog);

    // Replicas: a failure is a warning, and unused findings are then withheld.
    const hosts: AuditHost[] = [];
    const reads: Array<HostRead | undefined> = [primaryRead];
    const hostFromInfo = (url: string, role: AuditHost['role'], info: HostInfo): AuditHost => ({
      target: redactUrl(url),
      role,
      ok: true,
      serverVersion: info.serverVersion,
      inRecovery: info.inRecovery,
      statsSince: info.statsSince,
      statsSinceSource: info.statsSinceSource,
      statsAgeSeconds: info.statsAgeSeconds === null ? null : Math.round(info.statsAgeSeconds),
    });
    hosts.push(hostFromInfo(primaryUrl, 'primary', primaryRead.info));
    const failed: string[] = [];
    for (const url of opts.urls.slice(1)) {
      let client: pg.Client | undefined;
      try {
        client = await connect(url, connectOpts);
        clients.push(client);
        const read = await readHost(client, schemas);
        reads.push(read);
        hosts.push(hostFromInfo(url, 'replica', read.info));
      } catch (err) {
        const msg = describeHostError(err, url);
        reads.push(undefined);
        failed.push(redactUrl(url));
        hosts.push({ target: redactUrl(url), role: 'replica', ok: false, error: msg });
        warnings.push(`Replica failed: ${msg}`);
      }
    }

    for (const [i, h] of hosts.entries()) {
      if (h.ok && h.statsSinceSource === 'postmaster_start') {
        warnings.push(
          `${h.target}: the statistics were never reset (pg_stat_database.stats_reset is NULL), ` +
            `so their age is counted from the server's start (${h.statsSince}). ` +
            'PostgreSQL 15+ keeps statistics across clean restarts, so they may be older (then the audit is only more careful); ' +
            'but if this database was created after the server started they are younger. ' +
            'Run SELECT pg_stat_reset(); in the database once to give the audit a known start.',
        );
      }
      if (i > 0 && h.ok && h.serverVersion !== hosts[0]!.serverVersion) {
        warnings.push(`${h.target} runs PostgreSQL ${h.serverVersion}, the primary ${hosts[0]!.serverVersion}.`);
      }
    }

    // Scan counters per index per answering host.
    const okReads = reads.filter((r): r is HostRead => !!r);
    const okHosts = hosts.filter((h) => h.ok).map((h) => h.target);
    const perHostMaps = okReads.map((r) => new Map(r.scans.map((s) => [scanKey(s.schema, s.name), s])));
    const byIndex: ScanSummary['byIndex'] = new Map();
    for (const ix of indexes) {
      const key = scanKey(ix.schema, ix.name);
      const entries = perHostMaps.map((m) => m.get(key));
      const lastByHost = entries.map((e) => e?.lastIdxScan ?? null);
      byIndex.set(key, {
        perHost: entries.map((e) => (e ? e.idxScan : null)),
        lastByHost,
        lastIdxScan:
          lastByHost
            .filter((v): v is string => !!v)
            .sort()
            .at(-1) ?? null,
      });
    }
    let youngest: { age: number; since: string | null; host: string } | undefined;
    let ageUnknown = false;
    for (const [i, r] of okReads.entries()) {
      const age = r.info.statsAgeSeconds;
      if (age === null) ageUnknown = true;
      else if (!youngest || age < youngest.age) youngest = { age, since: r.info.statsSince, host: okHosts[i]! };
    }
    const scans: ScanSummary = {
      hosts: okHosts,
      byIndex,
      statsAgeSeconds: ageUnknown || !youngest ? null : youngest.age,
      statsSince: youngest?.since ?? null,
      statsHost: youngest?.host,
      readAt: primaryRead.info.now,
    };
    if (failed.length) {
      scans.withheld =
        `Unused indexes are not reported: ${failed.join(', ')} did not answer, ` +
        'and an index cannot be proven unused without the scans of every host.';
    }

    // Bloat of the b-trees that could reach the threshold.
    const bloat = new Map<number, BloatFigure>();
    let bloatSource: NonNullable<AuditResult['settings']>['bloatSource'] = 'none';
    // An index cannot give back more than its size: smaller ones than the byte threshold are not looked at.
    const bloatCandidates = indexes.filter(
      (ix) => ix.method === 'btree' && ix.relkind === 'i' && ix.valid && ix.ready && ix.live && ix.bytes > thresholds.bloatMinBytes,
    );
    if (bloatCandidates.length) {
      const idxSchemas = [...new Set(bloatCandidates.map((ix) => ix.schema))];
      const colStats = await readColumnStats(primary, idxSchemas).catch((err) => {
        if (errorScope(err, primary) === 'connection') throw new SessionLostError(describeHostError(err, primaryUrl), err);
        warnings.push(`pg_stats could not be read (${(err as Error).message}): no bloat estimates.`);
        return new Map<string, { nullFrac: number; avgWidth: number }>();
      });
      const noStats: IndexRow[] = [];
      for (const ix of bloatCandidates) {
        const columns = ix.statsLookup.map((l) => {
          const s = colStats.get(`${ix.schema}\u0000${l.table}\u0000${l.column}`);
          return s ? { ...s, isName: l.isName } : null;
        });
        const est = estimateBtreeBloat({
          relpages: ix.relpages,
          reltuples: ix.reltuples,
          fillfactor: ix.fillfactor,
          blockSize: primaryRead.info.blockSize,
          maxAlign: primaryRead.info.maxAlign,
          columns,
        });
        if (est) bloat.set(ix.oid, est);
        else if (columns.some((c) => c === null)) noStats.push(ix);
      }
      let measured = 0;
      const extSchema = opts.usePgstattuple === false ? undefined : await onPrimary(() => pgstattupleSchema(primary));
      const noPgstat: string[] = [];
      if (extSchema) {
        for (const ix of bloatCandidates) {
          try {
            const row = await readPgstatindex(primary, extSchema, ix.oid);
            bloat.set(ix.oid, pgstatindexBloat(row, ix.fillfactor, primaryRead.info.blockSize));
            measured++;
          } catch (err) {
            const e = err as { code?: string; message: string };
            if (errorScope(err, primary) === 'connection') throw new SessionLostError(describeHostError(err, primaryUrl), err);
            if (e.code === '42501') {
              warnings.push(
                `pgstatindex() is not permitted (${e.message}): GRANT pg_stat_scan_tables TO ${primaryRead.info.currentUser}; ` +
                  '(pg_monitor includes it). Bloat is estimated from statistics instead.',
              );
              break;
            }
            noPgstat.push(`${ix.schema}.${ix.name} (${e.message})`);
          }
        }
      }
      if (noPgstat.length) warnings.push(`pgstatindex() failed for ${noPgstat.join(', ')}: bloat estimated from statistics for them.`);
      const unmeasured = noStats.filter((ix) => !bloat.has(ix.oid)).map((ix) => `${ix.schema}.${ix.name}`);
      if (unmeasured.length) {
        warnings.push(
          `No bloat figure for ${unmeasured.length} index${unmeasured.length === 1 ? '' : 'es'} ` +
            `larger than ${Math.round(thresholds.bloatMinBytes / 1024)} kB ` +
            `(${unmeasured.slice(0, 10).join(', ')}${unmeasured.length > 10 ? ', ...' : ''}): pg_stats has no rows for their columns ` +
            `(never ANALYZEd, or the role may not SELECT the table: pg_stats hides those rows; GRANT pg_read_all_data, or install pgstattuple: ` +
            `its pgstatindex() needs only pg_stat_scan_tables, part of pg_monitor).`,
        );
      }
      const estimated = bloat.size - measured;
      bloatSource = measured && estimated ? 'mixed' : measured ? 'pgstatindex' : estimated ? 'estimate' : 'none';
    }

    // New index names (foreign keys, partial replacements, suggestions) must not clash in these schemas.
    const nameSchemas = [...new Set([...foreignKeys.map((fk) => fk.schema), ...indexes.map((ix) => ix.schema)])];
    const relationNames = await onPrimary(() => readRelationNames(primary, nameSchemas));

    // A UNIQUE index is built again only where the table holds no duplicate keys (the build would fail).
    const duplicateKeys = new Map<number, DuplicateKeyCheck>();
    for (const ix of indexes) {
      if (ix.valid || !ix.unique || ix.building || ix.relkind !== 'i') continue;
      duplicateKeys.set(ix.oid, await onPrimary(() => readDuplicateKeys(primary, ix)));
    }

    const out = analyze({
      duplicateKeys,
      indexes,
      foreignKeys,
      relationNames,
      scans,
      bloat,
      thresholds,
      columns,
      blockSize: primaryRead.info.blockSize,
      maxAlign: primaryRead.info.maxAlign,
      serverVersion: primaryRead.info.serverVersion,
    });
    return {
      generatedAt,
      targets,
      serverVersion: primaryRead.info.serverVersion,
      statsAgeSeconds: scans.statsAgeSeconds === null ? null : Math.round(scans.statsAgeSeconds),
      findings: out.findings,
      kept: out.kept,
      warnings: [...warnings, ...out.warnings],
      hosts,
      settings: { ...thresholds, bloatSource },
    };
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
}

/** The index columns with the pg_stats the catalog read for them (matched by table oid and column name). */
function withStats(columns: Omit<AuditColumn, 'stats'>[], catalog: Catalog): AuditColumn[] {
  const byTable = new Map(catalog.tables.map((t) => [t.oid, t]));
  return columns.map((c) => {
    const stats = byTable.get(c.tableOid)?.columns.find((x) => x.name === c.name)?.stats;
    if (!stats) return c;
    const s: NonNullable<AuditColumn['stats']> = { nullFrac: stats.nullFrac, avgWidth: stats.avgWidth, nDistinct: stats.nDistinct };
    if (stats.mostCommonVals && stats.mostCommonFreqs) {
      s.mostCommonVals = stats.mostCommonVals;
      s.mostCommonFreqs = stats.mostCommonFreqs;
    }
    return { ...c, stats: s };
  });
}
