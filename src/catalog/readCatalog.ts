// Reads what the later stages need from the system catalogs and statistics views, in four queries,
// for every user table (or the named ones). Read-only; works with pg_monitor or the table owner.
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';
import type { Catalog, CatalogColumn, CatalogIndex, CatalogTable, KeyPart } from '../types.js';

const USER_TABLES = `c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

export async function readCatalog(client: pg.Client): Promise<Catalog> {
  const version = await client.query<{ v: string; path: string[]; ts: string }>(
    `${ADVISOR_MARKER} SELECT current_setting('server_version_num') AS v, current_schemas(false)::text[] AS path,
            current_setting('default_text_search_config') AS ts`,
  );
  const serverVersion = Math.floor(Number(version.rows[0]!.v) / 10000);
  const searchPath = version.rows[0]!.path;

  const tables = await client.query(`${ADVISOR_MARKER}
    SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, greatest(c.reltuples, 0)::float8 AS rows,
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
     WHERE ${USER_TABLES}`);

  const columns = await client.query(`${ADVISOR_MARKER}
    SELECT a.attrelid::int AS oid, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
           st.null_frac::float8 AS null_frac, st.n_distinct::float8 AS n_distinct, st.correlation::float8 AS correlation,
           st.avg_width::int AS avg_width, st.most_common_freqs::float8[] AS mcf,
           -- anyarray → text[] only for scalar columns: an array column's values are arrays themselves.
           CASE WHEN ty.typcategory <> 'A' THEN st.most_common_vals::text::text[] END AS mcv,
           CASE WHEN ty.typcategory <> 'A' THEN st.histogram_bounds::text::text[] END AS hist
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_type ty ON ty.oid = a.atttypid
      LEFT JOIN pg_stats st ON st.schemaname = n.nspname AND st.tablename = c.relname AND st.attname = a.attname
           AND NOT st.inherited
     WHERE ${USER_TABLES} AND a.attnum > 0 AND NOT a.attisdropped
     ORDER BY a.attrelid, a.attnum`);

  const indexes = await client.query(`${ADVISOR_MARKER}
    SELECT i.indrelid::int AS table_oid, i.indexrelid::int AS oid, n.nspname AS schema, ic.relname AS name,
           am.amname AS method, i.indnkeyatts AS nkeys, i.indnatts AS natts, i.indisunique AS is_unique,
           i.indisprimary AS is_primary, i.indisvalid AS valid, pg_get_indexdef(i.indexrelid) AS definition,
           pg_get_expr(i.indpred, i.indrelid) AS predicate, pg_relation_size(i.indexrelid)::float8 AS bytes,
           (SELECT array_agg(pg_get_indexdef(i.indexrelid, k, true) ORDER BY k) FROM generate_series(1, i.indnatts) k) AS keys,
           (SELECT array_agg(coalesce(a.attname::text, '') ORDER BY k.ord)
              FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
              LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0) AS attnames,
           (SELECT array_agg(CASE WHEN op.opcdefault THEN NULL ELSE op.opcname::text END ORDER BY k.ord)
              FROM unnest(i.indclass::oid[]) WITH ORDINALITY k(opc, ord) JOIN pg_opclass op ON op.oid = k.opc) AS opclasses
      FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
      JOIN pg_am am ON am.oid = ic.relam
      JOIN pg_class c ON c.oid = i.indrelid
     WHERE ${USER_TABLES}`);

  const extensions = await client.query<{ extname: string; extversion: string }>(
    `${ADVISOR_MARKER} SELECT extname, extversion FROM pg_extension`,
  );

  const byOid = new Map<number, CatalogTable>();
  for (const r of tables.rows) {
    byOid.set(r.oid, {
      schema: r.schema,
      name: r.name,
      oid: r.oid,
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
    const t = byOid.get(r.oid);
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
    const t = byOid.get(r.table_oid);
    if (!t) continue;
    const keys: KeyPart[] = [];
    const include: string[] = [];
    const defs: string[] = r.keys ?? [];
    const names: string[] = r.attnames ?? [];
    for (let k = 0; k < r.natts; k++) {
      const name = names[k];
      if (k >= r.nkeys) include.push(name ?? defs[k] ?? '');
      else keys.push(name ? { column: name } : { expression: defs[k] ?? '' });
    }
    const idx: CatalogIndex = {
      schema: r.schema,
      name: r.name,
      oid: r.oid,
      method: r.method,
      keys,
      include,
      opclasses: (r.opclasses ?? []).slice(0, r.nkeys),
      unique: r.is_unique,
      primary: r.is_primary,
      valid: r.valid,
      definition: r.definition,
      bytes: r.bytes,
    };
    if (r.predicate) idx.predicate = r.predicate;
    t.indexes.push(idx);
  }
  return {
    serverVersion,
    searchPath,
    textSearchConfig: version.rows[0]!.ts,
    tables: [...byOid.values()],
    extensions: Object.fromEntries(extensions.rows.map((e) => [e.extname, e.extversion])),
  };
}
