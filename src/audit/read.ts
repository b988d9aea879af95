// The audit's own queries, beside the shared catalog (../catalog/readCatalog.ts, which holds the
// indexes): each host's statistics window and index scans, the foreign keys (with their column
// types), the types of indexed columns, relation names, pg_stats for the bloat estimate and
// pgstatindex(), and the duplicate keys of invalid UNIQUE indexes. Read-only, and only what the pg_monitor role
// may see: pg_class/pg_constraint (readable by everyone), pg_stat_database, pg_stat_all_indexes,
// pg_stats (rows only for tables the role may SELECT), and pgstattuple's pgstatindex() (needs
// pg_stat_scan_tables, which pg_monitor includes).
import type pg from 'pg';
import { ADVISOR_MARKER, markedWithin } from '../db/connect.js';
import { quoteIdent, quoteQualified } from '../db/quote.js';
import type { DuplicateKeyCheck } from './invalid.js';
import type { AuditColumn, AuditForeignKey, AuditIndex, ColumnStats, IndexScanStats, PgstatindexRow } from './model.js';

/**
 * `n` is pg_namespace of the relation, `t` its pg_class row: user schemas (or the listed ones), no
 * extension-owned tables: the same tables as the audit's view of the catalog (../catalog/scope.ts).
 */
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
  /** The server's now() (ISO 8601): last scans are aged by the clock that stamped them. */
  now: string;
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
           to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now,
           to_char(coalesce(d.stats_reset, pg_postmaster_start_time()) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since,
           d.stats_reset IS NOT NULL AS from_reset,
           extract(epoch FROM now() - coalesce(d.stats_reset, pg_postmaster_start_time()))::float8 AS age
      FROM (SELECT 1) one LEFT JOIN pg_stat_database d ON d.datname = current_database()`);
  const row = r.rows[0]!;
  return {
    serverVersion: Math.floor(Number(row.version_num) / 10000),
    inRecovery: row.in_recovery,
    now: row.now,
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
                      ELSE s.last_idx_scan END) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
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

export async function readForeignKeys(client: pg.Client, schemas: string[] | undefined): Promise<AuditForeignKey[]> {
  const r = await client.query(
    `${ADVISOR_MARKER}
    SELECT c.oid::int8 AS oid, c.conname::text AS name, n.nspname::text AS schema, t.relname::text AS table_name, t.oid::int8 AS table_oid,
           t.relkind::text AS table_kind, c.conkey::int[] AS attnums,
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY u(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = u.attnum ORDER BY u.ord) AS columns,
           ${columnTypes('c.conkey', 'c.conrelid')},
           rn.nspname::text AS ref_schema, rt.relname::text AS ref_table, rt.oid::int8 AS ref_oid, c.confkey::int[] AS ref_attnums,
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY u(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = u.attnum ORDER BY u.ord) AS ref_columns,
           ${columnTypes('c.confkey', 'c.confrelid', 'ref_')},
           pg_get_constraintdef(c.oid) AS definition, c.convalidated AS validated,
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
       -- Its size cannot be read while another session holds ACCESS EXCLUSIVE on it (a migration): left out, as in the catalog.
       AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'relation' AND l.relation = t.oid
                          AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid())
     ORDER BY n.nspname, t.relname, c.conname`,
    schemas ? [schemas] : [],
  );
  return r.rows.map((row) => ({
    oid: Number(row.oid),
    name: row.name,
    schema: row.schema,
    table: row.table_name,
    tableOid: Number(row.table_oid),
    tableKind: row.table_kind,
    attnums: (row.attnums as number[]).map(Number),
    columns: row.columns,
    refSchema: row.ref_schema,
    refTable: row.ref_table,
    refTableOid: Number(row.ref_oid),
    refAttnums: (row.ref_attnums as number[]).map(Number),
    refColumns: row.ref_columns,
    types: row.types,
    refTypes: row.ref_types,
    typeOids: (row.type_oids as Array<string | number>).map(Number),
    refTypeOids: (row.ref_type_oids as Array<string | number>).map(Number),
    definition: row.definition,
    validated: row.validated,
    tableBytes: row.bytes,
    tableRows: row.rows,
  }));
}

/**
 * `<prefix>types` (format_type) and `<prefix>type_oids` (a domain read as its base type) of the
 * columns `attnums` of relation `rel`, in order.
 */
function columnTypes(attnums: string, rel: string, prefix = ''): string {
  const each = (what: string) =>
    `ARRAY(SELECT ${what} FROM unnest(${attnums}) WITH ORDINALITY u(attnum, ord)
                   JOIN pg_attribute a ON a.attrelid = ${rel} AND a.attnum = u.attnum JOIN pg_type ty ON ty.oid = a.atttypid ORDER BY u.ord)`;
  return (
    `${each('format_type(a.atttypid, a.atttypmod)')} AS ${prefix}types,\n` +
    `           ${each("(CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE ty.oid END)::int8")} AS ${prefix}type_oids`
  );
}

/**
 * The type of every table column that an index of the audited tables holds (key or INCLUDE): its
 * typcategory says boolean (`B`) or array (`A`), for a domain too (a domain has its base type's).
 * Statistics are not read here: the audit takes them from the shared catalog.
 */
export async function readIndexColumns(client: pg.Client, schemas: string[] | undefined): Promise<Omit<AuditColumn, 'stats'>[]> {
  const r = await client.query(
    `${ADVISOR_MARKER}
    SELECT a.attrelid::int8 AS table_oid, a.attnum::int AS attnum, a.attname::text AS name,
           format_type(a.atttypid, a.atttypmod) AS type, ty.typcategory::text AS category, a.attnotnull AS not_null
      FROM pg_attribute a
      JOIN pg_class t ON t.oid = a.attrelid
      JOIN pg_namespace n ON n.oid = t.relnamespace
      JOIN pg_type ty ON ty.oid = a.atttypid
     WHERE ${relationFilter(schemas ? '$1' : null)} AND a.attnum > 0 AND NOT a.attisdropped
       AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND a.attnum = ANY (i.indkey::int2[]))`,
    schemas ? [schemas] : [],
  );
  return r.rows.map((row) => ({
    tableOid: Number(row.table_oid),
    attnum: Number(row.attnum),
    name: row.name,
    type: row.type,
    category: row.category,
    notNull: row.not_null,
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
  for (const row of r.rows) {
    out[row.schema] ??= [];
    out[row.schema]!.push(row.name);
  }
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

/** SQLSTATEs that mean "could not look" for one table, not a broken session: no SELECT privilege, statement or lock timeout. */
const COULD_NOT_LOOK: Record<string, string> = {
  '42501': 'the role may not SELECT the table',
  '57014': 'the query hit statement_timeout',
  '55P03': 'the table was locked (lock_timeout)',
};

/**
 * Key values an invalid UNIQUE index's table holds more than once (rows its predicate covers; rows
 * with a NULL key do not conflict unless NULLS NOT DISTINCT): how many, how many rows hold them,
 * and the five most repeated, as `(key)=(value) × n` (PostgreSQL's own DETAIL shape). One
 * read-only aggregate over the table; a role that may not read it, or a timeout, gives `unknown`.
 */
export async function readDuplicateKeys(
  client: pg.Client,
  ix: Pick<AuditIndex, 'schema' | 'table' | 'keys' | 'predicate' | 'nullsNotDistinct'>,
): Promise<DuplicateKeyCheck> {
  const keys = ix.keys.map((k) => k.text);
  const conditions = [
    ...(ix.predicate ? [`(${ix.predicate})`] : []),
    ...(ix.nullsNotDistinct ? [] : keys.map((k) => `(${k}) IS NOT NULL`)),
  ];
  const shown = `'(${keys.join(', ').replace(/'/g, "''")})=(' || concat_ws(', ', ${keys.map((k) => `coalesce((${k})::text, 'NULL')`).join(', ')}) || ')'`;
  try {
    const r = await client.query<{ groups: number; rows: number; examples: string[] }>(
      markedWithin(`
      WITH d AS (SELECT ${shown} AS key, count(*) AS n FROM ${quoteQualified(ix.schema, ix.table)}
                  ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
                  GROUP BY ${keys.map((k) => `(${k})`).join(', ')} HAVING count(*) > 1)
      SELECT (SELECT count(*) FROM d)::float8 AS groups, (SELECT coalesce(sum(n), 0) FROM d)::float8 AS rows,
             ARRAY(SELECT key || ' × ' || n FROM d ORDER BY n DESC, key LIMIT 5) AS examples`),
    );
    const row = r.rows[0]!;
    return { groups: row.groups, rows: row.rows, examples: row.examples };
  } catch (err) {
    const reason = COULD_NOT_LOOK[(err as { code?: string }).code ?? ''];
    if (reason) return { unknown: `${reason}: ${(err as Error).message}` };
    throw err;
  }
}
