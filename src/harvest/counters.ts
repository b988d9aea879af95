// The target's cumulative statistics as they stand, for the history (src/history/): every
// pg_stat_statements entry of the current database per (queryid, user, database), its reset time
// and evictions, index usage and table sizes. Read-only; the window of the night is worked out from
// two of these (src/history/window.ts).
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';
import { quoteIdent } from '../db/quote.js';
import type { IndexUsage, StatementCounters, TableSize, TargetCounters } from '../types.js';
import { HarvestError } from './pgStatStatements.js';

/** Reads the counters; without pg_stat_statements the statements are empty (`statements: null` in `missing`). */
export async function readCounters(client: pg.Client): Promise<TargetCounters & { missing?: string }> {
  const head = await client.query<{ now: Date; v: string; schema: string | null }>(
    `${ADVISOR_MARKER} SELECT now() AS now, current_setting('server_version_num') AS v,
       (SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements') AS schema`,
  );
  const h = head.rows[0]!;
  const serverVersion = Math.floor(Number(h.v) / 10000);
  const base = { readAt: h.now.toISOString(), serverVersion, indexes: await readIndexes(client), tables: await readTables(client) };
  if (!h.schema) {
    return { ...base, statsReset: null, dealloc: null, statements: [], hidden: { entries: 0, calls: 0 }, missing: 'pg_stat_statements' };
  }
  const schema = quoteIdent(h.schema);
  const cols = await client.query<{ attname: string }>(
    `${ADVISOR_MARKER} SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0`,
    [`${schema}.pg_stat_statements`],
  );
  const has = new Set(cols.rows.map((r) => r.attname));
  const totalTime = has.has('total_exec_time') ? 'total_exec_time' : 'total_time';
  let rows: pg.QueryResult;
  try {
    rows = await client.query(`${ADVISOR_MARKER}
      SELECT queryid::text AS queryid, userid::int8 AS userid, dbid::int8 AS dbid, query, calls::float8 AS calls,
             ${totalTime}::float8 AS total_ms, rows::float8 AS rows, shared_blks_hit::float8 AS hit, shared_blks_read::float8 AS read
        FROM ${schema}.pg_stat_statements
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ${has.has('toplevel') ? 'AND toplevel' : ''}`);
  } catch (err) {
    // 55000: loaded too late (not in shared_preload_libraries); 42501: no privilege.
    const code = (err as { code?: string }).code;
    if (code === '55000' || code === '42501') throw new HarvestError(`cannot read pg_stat_statements: ${(err as Error).message}`);
    throw err;
  }
  const statements: StatementCounters[] = [];
  const hidden = { entries: 0, calls: 0 };
  for (const r of rows.rows) {
    // Without pg_read_all_stats, other roles' rows come with the text and the queryid hidden.
    if (r.queryid === null) {
      hidden.entries++;
      hidden.calls += r.calls;
      continue;
    }
    statements.push({
      queryid: r.queryid,
      userid: Number(r.userid),
      dbid: Number(r.dbid),
      query: r.query,
      calls: r.calls,
      totalExecMs: r.total_ms,
      rows: r.rows,
      sharedBlksHit: r.hit,
      sharedBlksRead: r.read,
    });
  }
  let statsReset: string | null = null;
  let dealloc: number | null = null;
  if (serverVersion >= 14) {
    const info = await client.query<{ stats_reset: Date | null; dealloc: number }>(
      `${ADVISOR_MARKER} SELECT stats_reset, dealloc::float8 AS dealloc FROM ${schema}.pg_stat_statements_info`,
    );
    statsReset = info.rows[0]?.stats_reset?.toISOString() ?? null;
    dealloc = info.rows[0]?.dealloc ?? null;
  }
  return { ...base, statsReset, dealloc, statements, hidden };
}

async function readIndexes(client: pg.Client): Promise<IndexUsage[]> {
  const r = await client.query(`${ADVISOR_MARKER}
    SELECT s.schemaname AS schema, s.relname AS table, s.indexrelname AS name, pg_get_indexdef(s.indexrelid) AS definition,
           i.indisvalid AS valid, s.idx_scan::float8 AS scans, pg_relation_size(s.indexrelid)::float8 AS bytes
      FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
     ORDER BY 1, 2, 3`);
  return r.rows.map((x) => ({ ...x }));
}

async function readTables(client: pg.Client): Promise<TableSize[]> {
  const r = await client.query(`${ADVISOR_MARKER}
    SELECT schemaname AS schema, relname AS name, pg_total_relation_size(relid)::float8 AS bytes, n_live_tup::float8 AS rows
      FROM pg_stat_user_tables ORDER BY 1, 2`);
  return r.rows.map((x) => ({ ...x }));
}
