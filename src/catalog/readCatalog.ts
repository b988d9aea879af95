// Reads the catalog once per run, for the advice and the audit alike: every table with its
// columns (and their pg_stats), its indexes (everything either needs about them: keys, operator
// classes, collations, options, constraints, partition parents, size, validity...) and the
// installed extensions. Read-only; works with pg_monitor or the table owner. Each of advice and
// audit takes its own view of the tables (./scope.ts); lookups by name are in ./find.ts.
import type pg from 'pg';
import { ADVISOR_MARKER, type ConnectOptions, connect } from '../db/connect.js';
import { sqlstateOf } from '../db/errors.js';
import type { Catalog, CatalogColumn, CatalogConstraint, CatalogIndex, CatalogTable, IndexPosition, KeyPart } from '../types.js';

export interface ReadCatalogOptions {
  /** Only the tables of these schemas (the audit's --schema). Default: every schema but the system ones. */
  schemas?: string[];
}

/**
 * Tables, partitioned tables, materialized views (and TOAST tables, which only an explicit schema
 * list reaches) of the schemas asked for; by default every schema but pg_catalog,
 * information_schema, pg_toast* and pg_temp_* (see ./scope.ts: the advice and the audit narrow
 * this down each their own way). `n` is the table's pg_namespace row, `c` its pg_class row.
 */
function tableFilter(schemas: string[] | undefined, locked: string): string {
  const inSchemas = schemas
    ? 'n.nspname = ANY($1::text[])'
    : `n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'`;
  return `c.relkind IN ('r', 'p', 'm', 't') AND ${inSchemas} AND c.oid <> ALL(${locked}::oid[])`;
}

/** Attempts at reading the catalog when a table is locked between the look at pg_locks and the read. */
const LOCKED_READ_ATTEMPTS = 3;
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Relations another session holds, or waits for, an ACCESS EXCLUSIVE lock on (a migration, a
 * VACUUM FULL), with their partition ancestors: their size and index definitions cannot be read
 * without waiting for the lock (pg_relation_size, pg_get_indexdef and pg_partition_tree take
 * ACCESS SHARE), so the catalog leaves them out rather than let one lock end the night.
 */
async function lockedRelations(client: pg.Client): Promise<Array<{ oid: number; name: string; table: boolean }>> {
  const r = await client.query<{ oid: string; name: string; table: boolean }>(
    `${ADVISOR_MARKER}
    WITH RECURSIVE locked AS (
      SELECT l.relation AS oid FROM pg_locks l
       WHERE l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.pid <> pg_backend_pid()
         AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      UNION
      SELECT i.inhparent FROM pg_inherits i JOIN locked ON locked.oid = i.inhrelid)
    SELECT c.oid::int8::text AS oid, format('%s.%s', n.nspname, c.relname) AS name, c.relkind IN ('r', 'p', 'm') AS table
      FROM locked JOIN pg_class c ON c.oid = locked.oid JOIN pg_namespace n ON n.oid = c.relnamespace
     ORDER BY 2`,
  );
  return r.rows.map((row) => ({ oid: Number(row.oid), name: row.name, table: row.table }));
}

function splitVector(text: string | null): number[] {
  if (!text?.trim()) return [];
  return text.trim().split(/\s+/).map(Number);
}

export async function readCatalog(client: pg.Client, opts: ReadCatalogOptions = {}): Promise<Catalog> {
  for (let attempt = 1; ; attempt++) {
    const locked = await lockedRelations(client);
    try {
      return await readCatalogWithout(client, opts, locked);
    } catch (err) {
      // A lock taken after the look at pg_locks: look again.
      if (sqlstateOf(err) !== LOCK_NOT_AVAILABLE || attempt >= LOCKED_READ_ATTEMPTS) throw err;
    }
  }
}

async function readCatalogWithout(
  client: pg.Client,
  opts: ReadCatalogOptions,
  locked: Array<{ oid: number; name: string; table: boolean }>,
): Promise<Catalog> {
  const schemas = opts.schemas?.length ? opts.schemas : undefined;
  const params: unknown[] = schemas ? [schemas] : [];
  params.push(locked.map((l) => l.oid));
  const lockedParam = `$${params.length}`;
  const where = tableFilter(schemas, lockedParam);
  const version = await client.query<{ v: string; path: string[]; ts: string }>(
    `${ADVISOR_MARKER} SELECT current_setting('server_version_num') AS v, current_schemas(false)::text[] AS path,
            current_setting('default_text_search_config') AS ts`,
  );
  const serverVersion = Math.floor(Number(version.rows[0]!.v) / 10000);
  const searchPath = version.rows[0]!.path;

  const tables = await client.query(
    `${ADVISOR_MARKER}
    SELECT c.oid::int8 AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
           EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') AS extension_owned,
           greatest(c.reltuples, 0)::float8 AS rows,
           pg_relation_size(c.oid)::float8 AS bytes,
           coalesce(s.n_tup_ins, 0)::float8 AS ins, coalesce(s.n_tup_upd, 0)::float8 AS upd,
           coalesce(s.n_tup_hot_upd, 0)::float8 AS hot, coalesce(s.n_tup_del, 0)::float8 AS del,
           coalesce(s.seq_scan, 0)::float8 AS seq_scan, coalesce(s.idx_scan, 0)::float8 AS idx_scan,
           CASE WHEN c.relkind = 'p' THEN
             (SELECT array_agg(pn.nspname::text ORDER BY pc.relname) FROM pg_partition_tree(c.oid) pt JOIN pg_class pc ON pc.oid = pt.relid
                JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE pt.isleaf) END AS partition_schemas,
           CASE WHEN c.relkind = 'p' THEN
             (SELECT array_agg(pc.relname::text ORDER BY pc.relname) FROM pg_partition_tree(c.oid) pt JOIN pg_class pc ON pc.oid = pt.relid
                WHERE pt.isleaf) END AS partition_names
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
     WHERE ${where}
     ORDER BY n.nspname, c.relname`,
    params,
  );

  const columns = await client.query(
    `${ADVISOR_MARKER}
    SELECT a.attrelid::int8 AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
           st.null_frac::float8 AS null_frac, st.n_distinct::float8 AS n_distinct, st.correlation::float8 AS correlation,
           st.avg_width::int AS avg_width, st.most_common_freqs::float8[] AS mcf,
           -- anyarray → text[] only for scalar columns: an array column's values are arrays themselves.
           CASE WHEN ty.typcategory <> 'A' THEN st.most_common_vals::text::text[] END AS mcv,
           CASE WHEN ty.typcategory <> 'A' THEN st.histogram_bounds::text::text[] END AS hist
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type ty ON ty.oid = a.atttypid
      LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
           AND NOT st.inherited
     WHERE ${where} AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`,
    params,
  );

  const indexes = await client.query(
    `${ADVISOR_MARKER}
    SELECT i.indexrelid::int8 AS oid, i.indrelid::int8 AS table_oid, n.nspname AS schema, c.relname AS table_name,
           ic.relname AS index_name, ic.relkind::text AS relkind, ic.relispartition AS is_partition,
           (SELECT pc.relname::text FROM pg_inherits inh JOIN pg_class pc ON pc.oid = inh.inhparent
             WHERE inh.inhrelid = i.indexrelid LIMIT 1) AS parent_index,
           am.amname::text AS method, i.indnkeyatts AS nkeys, i.indnatts AS natts,
           i.indisunique AS is_unique, ${serverVersion >= 15 ? 'i.indnullsnotdistinct' : 'false'} AS nulls_not_distinct,
           i.indisprimary AS is_primary, i.indisexclusion AS is_exclusion, i.indisreplident AS is_replident,
           i.indisvalid AS is_valid, i.indisready AS is_ready, i.indislive AS is_live,
           i.indkey::text AS indkey, i.indclass::text AS indclass, i.indcollation::text AS indcollation,
           i.indoption::text AS indoption,
           -- each position as the server prints it: exactly (compared by the audit) and pretty (matched by the advice)
           ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, false) FROM generate_series(1, i.indnatts) k ORDER BY k) AS cols,
           ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true) FROM generate_series(1, i.indnatts) k ORDER BY k) AS pretty_cols,
           ARRAY(SELECT coalesce(a.attname::text, '') FROM unnest(i.indkey::int2[]) WITH ORDINALITY u(attnum, ord)
                   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = u.attnum AND u.attnum > 0
                  ORDER BY u.ord) AS attnames,
           ARRAY(SELECT CASE WHEN op.opcdefault THEN NULL ELSE op.opcname::text END
                   FROM unnest(i.indclass::oid[]) WITH ORDINALITY u(opc, ord) JOIN pg_opclass op ON op.oid = u.opc
                  ORDER BY u.ord) AS opclass_names,
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
      JOIN pg_class c ON c.oid = i.indrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE ${where} AND i.indexrelid <> ALL(${lockedParam}::oid[])
     ORDER BY n.nspname, c.relname, ic.relname`,
    params,
  );
  // Read once and joined here: pg_constraint has no index on conindid, and the progress view is a
  // function over all backends; per-index subqueries would scan them once per index.
  const cons = await client.query(
    `${ADVISOR_MARKER} SELECT con.conindid::int8 AS index_oid, con.contype::text AS type, con.conname::text AS name,
            cn.nspname::text AS schema, ct.relname::text AS table_name
       FROM pg_constraint con JOIN pg_class ct ON ct.oid = con.conrelid JOIN pg_namespace cn ON cn.oid = ct.relnamespace
      WHERE con.conindid <> 0 AND con.contype IN ('p', 'u', 'x', 'f')`,
  );
  const constraintsOf = new Map<number, CatalogConstraint[]>();
  for (const c of cons.rows) {
    const list = constraintsOf.get(Number(c.index_oid)) ?? [];
    list.push({ type: c.type, name: c.name, schema: c.schema, table: c.table_name });
    constraintsOf.set(Number(c.index_oid), list);
  }
  const progress = await client.query(
    `${ADVISOR_MARKER} SELECT relid::int8 AS relid, index_relid::int8 AS index_relid FROM pg_stat_progress_create_index`,
  );
  const building = (oid: number, tableOid: number) =>
    progress.rows.some((p) => Number(p.index_relid) === oid || (Number(p.index_relid) === 0 && Number(p.relid) === tableOid));

  const extensions = await client.query<{ extname: string; extversion: string }>(
    `${ADVISOR_MARKER} SELECT extname, extversion FROM pg_extension`,
  );
  // Sequences, views, composite types and foreign tables share the namespace new index names live in.
  const others = await client.query<{ schema: string; name: string }>(
    `${ADVISOR_MARKER} SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('S', 'v', 'c', 'f') AND ${where.replace("c.relkind IN ('r', 'p', 'm', 't') AND ", '')}`,
    params,
  );
  const lockedTables = locked.filter((l) => l.table).map((l) => l.name);
  // A locked table and its indexes are left out of `tables`, but their names are still taken.
  const lockedNames = locked.length
    ? (
        await client.query<{ schema: string; name: string }>(
          `${ADVISOR_MARKER} SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.oid = ANY($1::oid[]) OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = ANY($1::oid[]))`,
          [locked.map((l) => l.oid)],
        )
      ).rows
    : [];
  const otherRelations: Record<string, string[]> = {};
  for (const r of [...others.rows, ...lockedNames]) {
    otherRelations[r.schema] ??= [];
    otherRelations[r.schema]!.push(r.name);
  }

  const byOid = new Map<number, CatalogTable>();
  for (const r of tables.rows) {
    byOid.set(Number(r.oid), {
      schema: r.schema,
      name: r.name,
      oid: Number(r.oid),
      relkind: r.relkind,
      extensionOwned: r.extension_owned,
      rows: r.rows,
      bytes: r.bytes,
      columns: [],
      indexes: [],
      writes: { inserts: r.ins, updates: r.upd, hotUpdates: r.hot, deletes: r.del },
      seqScans: r.seq_scan,
      idxScans: r.idx_scan,
      ...(r.partition_names
        ? { partitions: (r.partition_names as string[]).map((name, i) => ({ schema: (r.partition_schemas as string[])[i]!, name })) }
        : {}),
    });
  }
  for (const r of columns.rows) {
    const t = byOid.get(Number(r.oid));
    if (!t) continue;
    const col: CatalogColumn = { name: r.name, type: r.type, notNull: r.not_null };
    if (r.null_frac !== null) {
      col.stats = { nullFrac: r.null_frac, nDistinct: r.n_distinct, avgWidth: r.avg_width ?? 0 };
      if (r.correlation !== null) col.stats.correlation = r.correlation;
      if (r.mcf && r.mcv) {
        col.stats.mostCommonFreqs = r.mcf;
        col.stats.mostCommonVals = r.mcv;
      }
      if (r.hist) col.stats.histogramBounds = r.hist;
    }
    t.columns.push(col);
  }
  for (const r of indexes.rows) {
    const t = byOid.get(Number(r.table_oid));
    if (!t) continue;
    t.indexes.push(indexFromRow(r, constraintsOf.get(Number(r.oid)) ?? [], building(Number(r.oid), Number(r.table_oid))));
  }
  return {
    serverVersion,
    searchPath,
    textSearchConfig: version.rows[0]!.ts,
    ...(schemas ? { schemas } : {}),
    tables: [...byOid.values()],
    extensions: Object.fromEntries(extensions.rows.map((e) => [e.extname, e.extversion])),
    otherRelations,
    ...(lockedTables.length ? { lockedTables } : {}),
  };
}

/** A row of the index query above, as the catalog's model of the index. */
function indexFromRow(row: pg.QueryResultRow, constraints: CatalogConstraint[], building: boolean): CatalogIndex {
  const indkey = splitVector(row.indkey);
  const indclass = splitVector(row.indclass);
  const indcollation = splitVector(row.indcollation);
  const indoption = splitVector(row.indoption);
  const cols: string[] = row.cols ?? [];
  const pretty: string[] = row.pretty_cols ?? [];
  const attnames: string[] = row.attnames ?? [];
  const positions: IndexPosition[] = [];
  const keys: KeyPart[] = [];
  const include: string[] = [];
  for (let k = 0; k < row.natts; k++) {
    const attnum = indkey[k] ?? 0;
    const p: IndexPosition = { attnum, text: cols[k] ?? '' };
    if (attnum !== 0 && attnames[k]) p.column = attnames[k];
    const name = attnames[k];
    if (k < row.nkeys) {
      p.opclass = indclass[k] ?? 0;
      p.collation = indcollation[k] ?? 0;
      p.option = indoption[k] ?? 0;
      keys.push(name ? { column: name } : { expression: pretty[k] ?? '' });
    } else include.push(name ?? pretty[k] ?? '');
    positions.push(p);
  }
  const indexAttnames: string[] = row.index_attnames ?? [];
  const isName: boolean[] = row.index_attr_is_name ?? [];
  const statsLookup = positions.map((p, k) =>
    p.attnum !== 0
      ? { table: row.table_name as string, column: p.column ?? '', isName: !!isName[k] }
      : { table: row.index_name as string, column: indexAttnames[k] ?? '', isName: !!isName[k] },
  );
  const ix: CatalogIndex = {
    schema: row.schema,
    name: row.index_name,
    oid: Number(row.oid),
    relkind: row.relkind === 'I' ? 'I' : 'i',
    isPartition: row.is_partition,
    method: row.method,
    keys,
    include,
    opclasses: (row.opclass_names ?? []).slice(0, row.nkeys),
    positions,
    unique: row.is_unique,
    nullsNotDistinct: row.nulls_not_distinct,
    primary: row.is_primary,
    exclusion: row.is_exclusion,
    replicaIdentity: row.is_replident,
    valid: row.is_valid,
    ready: row.is_ready,
    live: row.is_live,
    building,
    constraints,
    definition: row.definition,
    bytes: row.bytes,
    relpages: row.relpages,
    reltuples: row.reltuples,
    fillfactor: row.fillfactor,
    statsLookup,
  };
  if (row.parent_index) ix.parentIndex = row.parent_index;
  if (row.predicate) ix.predicate = row.predicate;
  return ix;
}

/** Opens a session on `url` (read-only, with the options' statement_timeout), reads the catalog and closes the session. */
export async function readCatalogAt(url: string, opts: ConnectOptions & ReadCatalogOptions = {}): Promise<Catalog> {
  const { schemas, ...connectOpts } = opts;
  const client = await connect(url, connectOpts);
  try {
    return await readCatalog(client, schemas ? { schemas } : {});
  } finally {
    await client.end().catch(() => {});
  }
}
