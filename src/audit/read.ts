// The audit's catalog and statistics queries. Read-only, and only what the pg_monitor role may see:
// pg_index/pg_class/pg_constraint (readable by everyone), pg_stat_database, pg_stat_user_indexes,
// pg_stat_progress_create_index, pg_stats (rows only for tables the role may SELECT), and
// pgstattuple's pgstatindex() (needs pg_stat_scan_tables, which pg_monitor includes).
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';
import { quoteIdent, quoteQualified } from '../db/quote.js';
import type { AuditForeignKey, AuditIndex, ColumnStats, ConstraintRef, IndexPosition, IndexScanStats, PgstatindexRow } from './model.js';

/** `n` is pg_namespace of the relation, `t` its pg_class row: user schemas (or the listed ones), no extension-owned tables. */
function relationFilter(schemaParam: string | null): string {
  const schemas = schemaParam
    ? `n.nspname = ANY(${schemaParam}::text[])`
    : `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;
  return `${schemas}
     AND NOT EXISTS (SELECT 1 FROM pg_depend d
                      WHERE d.classid = 'pg_class'::regclass AND d.objid = t.oid AND d.deptype = 'e')`;
}

export interface HostInfo {
  serverVersion: number;
  inRecovery: boolean;
  /** Start of the statistics window (ISO 8601) and where it came from. */
  statsSince: string | null;
  statsSinceSource: 'stats_reset' | 'postmaster_start';
  statsAgeSeconds: number | null;
  blockSize: number;
  maxAlign: number;
  currentUser: string;
}

/**
 * The statistics window of the connected database.
 *
 * pg_stat_database.stats_reset is the last pg_stat_reset() (resetting one table's or index's
 * counters moves it too). It is NULL when the counters were never reset; then the window is
 * counted from pg_postmaster_start_time(). On PostgreSQL 15+ statistics survive a clean restart
 * (they are lost after a crash, an immediate shutdown, or when a standby/PITR starts from a base
 * backup), so the real window can be longer than that: the age is under-counted, which only makes
 * the audit more careful about calling an index unused. It can be over-counted when the database
 * was created after the server started; run `SELECT pg_stat_reset()` once in the database to give
 * the audit a known starting point (the audit warns about it).
 */
export async function readHostInfo(client: pg.Client): Promise<HostInfo> {
  const r = await client.query(`${ADVISOR_MARKER}
    SELECT current_setting('server_version_num')::int AS version_num,
           pg_is_in_recovery() AS in_recovery,
           current_setting('block_size')::int AS block_size,
           (version() ~ 'mingw32|64-bit|x86_64|ppc64|ia64|amd64|aarch64') AS is64,
           current_user::text AS current_user,
           to_char(coalesce(d.stats_reset, pg_postmaster_start_time()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since,
           d.stats_reset IS NOT NULL AS from_reset,
           extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))::float8 AS age
      FROM (SELECT 1) one LEFT JOIN pg_stat_database d ON d.datname = current_database()`);
  const row = r.rows[0]!;
  return {
    serverVersion: Math.floor(Number(row.version_num) / 10000),
    inRecovery: row.in_recovery,
    statsSince: row.since ?? null,
    statsSinceSource: row.from_reset ? 'stats_reset' : 'postmaster_start',
    statsAgeSeconds: row.age ?? null,
    blockSize: row.block_size,
    maxAlign: row.is64 ? 8 : 4,
    currentUser: row.current_user,
  };
}

/**
 * Scans of every index on this host. Partitioned indexes have no statistics of their own: their
 * scans are the sum over the indexes of their partitions.
 */
export async function readIndexScans(client: pg.Client, serverVersion: number, schemas: string[] | undefined): Promise<IndexScanStats[]> {
  const last = serverVersion >= 16;
  const r = await client.query(
    `${ADVISOR_MARKER}
    SELECT n.nspname AS schema, ic.relname AS name,
           CASE WHEN ic.relkind = 'I'
                THEN (SELECT coalesce(sum(s2.idx_scan), 0) FROM pg_partition_tree(ic.oid) p
                        JOIN pg_stat_all_indexes s2 ON s2.indexrelid = p.relid)
                ELSE coalesce(s.idx_scan, 0) END::float8 AS idx_scan,
           ${
             last
               ? `to_char((CASE WHEN ic.relkind = 'I'
                      THEN (SELECT max(s2.last_idx_scan) FROM pg_partition_tree(ic.oid) p
                              JOIN pg_stat_all_indexes s2 ON s2.indexrelid = p.relid)
                      ELSE s.last_idx_scan END) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`
               : 'NULL::text'
           } AS last_idx_scan
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      LEFT JOIN pg_stat_all_indexes s ON s.indexrelid = i.indexrelid
     WHERE ${relationFilter(schemas ? '$1' : null)}`,
    schemas ? [schemas] : [],
  );
  return r.rows.map((row) => ({ schema: row.schema, name: row.name, idxScan: row.idx_scan, lastIdxScan: row.last_idx_scan }));
}

function splitVector(text: string | null): number[] {
  if (!text || !text.trim()) return [];
  return text.trim().split(/\s+/).map(Number);
}

export interface IndexRow extends AuditIndex {
  /** Per index attribute (key and INCLUDE): the pg_stats lookup for the bloat estimate. */
  statsLookup: Array<{ table: string; column: string; isName: boolean }>;
}

export async function readIndexes(client: pg.Client, serverVersion: number, schemas: string[] | undefined): Promise<IndexRow[]> {
  const r = await client.query(
    `${ADVISOR_MARKER}
    SELECT i.indexrelid::int8 AS oid, i.indrelid::int8 AS table_oid, n.nspname AS schema, t.relname AS table_name,
           ic.relname AS index_name, ic.relkind::text AS relkind, ic.relispartition AS is_partition,
           (SELECT pc.relname::text FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
             WHERE inh.inhrelid = i.indexrelid LIMIT 1) AS parent_index,
           am.amname::text AS method, i.indnkeyatts AS nkeys, i.indnatts AS natts,
           i.indisunique AS is_unique, ${serverVersion >= 15 ? 'i.indnullsnotdistinct' : 'false'} AS nulls_not_distinct,
           i.indisprimary AS is_primary, i.indisexclusion AS is_exclusion, i.indisreplident AS is_replident,
           i.indisvalid AS is_valid, i.indisready AS is_ready, i.indislive AS is_live,
           i.indkey::text AS indkey, i.indclass::text AS indclass, i.indcollation::text AS indcollation,
           i.indoption::text AS indoption,
           ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnatts) k ORDER BY k) AS cols,
           ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum AND u.attnum > 0
                  ORDER BY u.ord) AS attnames,
           ARRAY(SELECT a.attname::text FROM pg_attribute a
                  WHERE a.attrelid = i.indexrelid AND a.attnum > 0 ORDER BY a.attnum) AS index_attnames,
           ARRAY(SELECT a.atttypid = 'name'::regtype FROM pg_attribute a
                  WHERE a.attrelid = i.indexrelid AND a.attnum > 0 ORDER BY a.attnum) AS index_attr_is_name,
           pg_get_expr(i.indpred, i.indrelid) AS predicate,
           pg_get_indexdef(i.indexrelid) AS definition,
           (CASE WHEN ic.relkind = 'I'
                 THEN (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree(i.indexrelid) p)
                 ELSE pg_relation_size(i.indexrelid) END)::float8 AS bytes,
           ic.relpages::float8 AS relpages, ic.reltuples::float8 AS reltuples,
           coalesce((SELECT substring(o FROM '^fillfactor=([0-9]+)$')::int FROM unnest(ic.reloptions) o
                      WHERE o LIKE 'fillfactor=%' LIMIT 1), 90) AS fillfactor
      FROM pg_index i
      JOIN pg_class ic ON ic.oid = i.indexrelid
      JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_class t ON t.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE ${relationFilter(schemas ? '$1' : null)}
     ORDER BY n.nspname, t.relname, ic.relname`,
    schemas ? [schemas] : [],
  );
  // Read once and joined here: pg_constraint has no index on conindid, and the progress view is a
  // function over all backends; per-index subqueries would scan them once per index.
  const cons = await client.query(
    `${ADVISOR_MARKER} SELECT con.conindid::int8 AS index_oid, con.contype::text AS type, con.conname::text AS name,
            cn.nspname::text AS schema, ct.relname::text AS table_name
       FROM pg_constraint con JOIN pg_class ct ON ct.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = ct.relnamespace
      WHERE con.conindid <> 0 AND con.contype IN ('p', 'u', 'x', 'f')`,
  );
  const constraintsOf = new Map<number, ConstraintRef[]>();
  for (const c of cons.rows) {
    const list = constraintsOf.get(Number(c.index_oid)) ?? [];
    list.push({ type: c.type, name: c.name, table: quoteQualified(c.schema, c.table_name) });
    constraintsOf.set(Number(c.index_oid), list);
  }
  const progress = await client.query(
    `${ADVISOR_MARKER} SELECT relid::int8 AS relid, index_relid::int8 AS index_relid FROM pg_stat_progress_create_index`,
  );
  const building = (oid: number, tableOid: number) =>
    progress.rows.some((p) => Number(p.index_relid) === oid || (Number(p.index_relid) === 0 && Number(p.relid) === tableOid));

  return r.rows.map((row) => {
    const indkey = splitVector(row.indkey);
    const indclass = splitVector(row.indclass);
    const indcollation = splitVector(row.indcollation);
    const indoption = splitVector(row.indoption);
    const cols: string[] = row.cols ?? [];
    const attnames: string[] = row.attnames ?? [];
    const keys: IndexPosition[] = [];
    const include: IndexPosition[] = [];
    for (let k = 0; k < row.natts; k++) {
      const attnum = indkey[k] ?? 0;
      const p: IndexPosition = { attnum, text: cols[k] ?? '' };
      if (attnum !== 0 && attnames[k]) p.column = attnames[k];
      if (k < row.nkeys) {
        p.opclass = indclass[k] ?? 0;
        p.collation = indcollation[k] ?? 0;
        p.option = indoption[k] ?? 0;
        keys.push(p);
      } else include.push(p);
    }
    const indexAttnames: string[] = row.index_attnames ?? [];
    const isName: boolean[] = row.index_attr_is_name ?? [];
    const statsLookup = [...keys, ...include].map((p, k) =>
      p.attnum !== 0
        ? { table: row.table_name as string, column: p.column ?? '', isName: !!isName[k] }
        : { table: row.index_name as string, column: indexAttnames[k] ?? '', isName: !!isName[k] },
    );
    const ix: IndexRow = {
      oid: Number(row.oid),
      tableOid: Number(row.table_oid),
      schema: row.schema,
      table: row.table_name,
      name: row.index_name,
      relkind: row.relkind === 'I' ? 'I' : 'i',
      isPartition: row.is_partition,
      method: row.method,
      keys,
      include,
      predicate: row.predicate ?? null,
      unique: row.is_unique,
      nullsNotDistinct: row.nulls_not_distinct,
      primary: row.is_primary,
      exclusion: row.is_exclusion,
      replicaIdentity: row.is_replident,
      valid: row.is_valid,
      ready: row.is_ready,
      live: row.is_live,
      building: building(Number(row.oid), Number(row.table_oid)),
      constraints: constraintsOf.get(Number(row.oid)) ?? [],
      definition: row.definition,
      bytes: row.bytes,
      relpages: row.relpages,
      reltuples: row.reltuples,
      fillfactor: row.fillfactor,
      statsLookup,
    };
    if (row.parent_index) ix.parentIndex = row.parent_index;
    return ix;
  });
}

export async function readForeignKeys(client: pg.Client, schemas: string[] | undefined): Promise<AuditForeignKey[]> {
  const r = await client.query(
    `${ADVISOR_MARKER}
    SELECT c.conname::text AS name, n.nspname::text AS schema, t.relname::text AS table_name, t.oid::int8 AS table_oid,
           t.relkind::text AS table_kind, c.conkey::int[] AS attnums,
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY u(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
           rn.nspname::text AS ref_schema, rt.relname::text AS ref_table,
           (CASE WHEN t.relkind = 'p'
                 THEN (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree(t.oid) p)
                 ELSE pg_relation_size(t.oid) END)::float8 AS bytes,
           (CASE WHEN t.relkind = 'p'
                 THEN (SELECT coalesce(sum(greatest(pc.reltuples, 0)), 0) FROM pg_partition_tree(t.oid) p
                         JOIN pg_class pc ON pc.oid = p.relid WHERE p.isleaf)
                 ELSE greatest(t.reltuples, 0) END)::float8 AS rows
      FROM pg_constraint c
      JOIN pg_class t ON t.oid = c.conrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_class rt ON rt.oid = c.confrelid
      JOIN pg_namespace rn ON rn.oid = rt.relnamespace
     WHERE c.contype = 'f' AND c.conparentid = 0 AND ${relationFilter(schemas ? '$1' : null)}
     ORDER BY n.nspname, t.relname, c.conname`,
    schemas ? [schemas] : [],
  );
  return r.rows.map((row) => ({
    name: row.name,
    schema: row.schema,
    table: row.table_name,
    tableOid: Number(row.table_oid),
    tableKind: row.table_kind,
    attnums: (row.attnums as number[]).map(Number),
    columns: row.columns,
    refSchema: row.ref_schema,
    refTable: row.ref_table,
    tableBytes: row.bytes,
    tableRows: row.rows,
  }));
}

/** Names of every relation in the schemas (new index names must not clash with any of them). */
export async function readRelationNames(client: pg.Client, schemas: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  if (!schemas.length) return out;
  const r = await client.query<{ schema: string; name: string }>(
    `${ADVISOR_MARKER} SELECT n.nspname::text AS schema, c.relname::text AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ANY($1::text[])`,
    [schemas],
  );
  for (const row of r.rows) (out[row.schema] ??= []).push(row.name);
  return out;
}

/**
 * pg_stats rows (null_frac, avg_width) keyed `schema\0table\0column`. PostgreSQL shows a row only
 * when the role may SELECT the column: a pg_monitor-only role sees none for other roles' tables.
 */
export async function readColumnStats(client: pg.Client, schemas: string[]): Promise<Map<string, Omit<ColumnStats, 'isName'>>> {
  const out = new Map<string, Omit<ColumnStats, 'isName'>>();
  if (!schemas.length) return out;
  const r = await client.query(
    `${ADVISOR_MARKER} SELECT schemaname::text AS schema, tablename::text AS tbl, attname::text AS col,
            null_frac::float8 AS null_frac, avg_width::int AS avg_width
       FROM pg_stats WHERE NOT inherited AND schemaname = ANY($1::text[])`,
    [schemas],
  );
  for (const row of r.rows) out.set(`${row.schema}\u0000${row.tbl}\u0000${row.col}`, { nullFrac: row.null_frac, avgWidth: row.avg_width });
  return out;
}

/** Schema of the pgstattuple extension in this database, or undefined when it is not installed. */
export async function pgstattupleSchema(client: pg.Client): Promise<string | undefined> {
  const r = await client.query<{ schema: string }>(
    `${ADVISOR_MARKER} SELECT n.nspname::text AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
      WHERE e.extname = 'pgstattuple'`,
  );
  return r.rows[0]?.schema;
}

export async function readPgstatindex(client: pg.Client, extSchema: string, indexOid: number): Promise<PgstatindexRow> {
  const r = await client.query(
    `${ADVISOR_MARKER} SELECT index_size::float8 AS index_size, internal_pages::float8 AS internal_pages,
            leaf_pages::float8 AS leaf_pages, empty_pages::float8 AS empty_pages, deleted_pages::float8 AS deleted_pages,
            avg_leaf_density::float8 AS avg_leaf_density, leaf_fragmentation::float8 AS leaf_fragmentation
       FROM ${quoteIdent(extSchema)}.pgstatindex($1::oid::regclass)`,
    [indexOid],
  );
  const row = r.rows[0]!;
  return {
    indexSize: row.index_size,
    internalPages: row.internal_pages,
    leafPages: row.leaf_pages,
    emptyPages: row.empty_pages,
    deletedPages: row.deleted_pages,
    avgLeafDensity: row.avg_leaf_density,
    leafFragmentation: row.leaf_fragmentation,
  };
}
