import type pg from 'pg';
import { ADVISOR_MARKER, redactUrl } from '../db/connect.js';
import { describeDbError, sqlstateOf } from '../db/errors.js';
import { quoteIdent } from '../db/quote.js';
import { ensureParser } from '../parse/parser.js';
import type { SkippedStatement, Workload, WorkloadStatement } from '../types.js';
import { skipReason } from './filter.js';

export interface HarvestOptions {
  minCalls?: number;
  minTotalMs?: number;
  /** Keep the N statements with the most total execution time. */
  top?: number;
}

/** "pg_stat_statements must be loaded via shared_preload_libraries". */
const OBJECT_NOT_IN_PREREQUISITE_STATE = '55000';
const INSUFFICIENT_PRIVILEGE = '42501';

export class HarvestError extends Error {
  override name = 'HarvestError';
}

/** Reads the current database's statements from pg_stat_statements (aggregated over users). */
export async function harvestPgStatStatements(client: pg.Client, url: string, opts: HarvestOptions = {}): Promise<Workload> {
  await ensureParser();
  const ext = await client.query<{ schema: string }>(
    `${ADVISOR_MARKER} SELECT n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_stat_statements'`,
  );
  if (ext.rows.length === 0) {
    const preload = await client.query<{ v: string }>(`${ADVISOR_MARKER} SELECT current_setting('shared_preload_libraries') AS v`);
    const loaded = preload.rows[0]!.v.split(',')
      .map((s) => s.trim().replace(/"/g, ''))
      .includes('pg_stat_statements');
    throw new HarvestError(
      `pg_stat_statements is not installed in this database: ` +
        (loaded ? '' : `add it to shared_preload_libraries in postgresql.conf, restart the server, then `) +
        `run CREATE EXTENSION pg_stat_statements; in the database (or pass --workload FILE to advise from a file).`,
    );
  }
  const view = `${quoteIdent(ext.rows[0]!.schema)}.pg_stat_statements`;
  const cols = await client.query<{ attname: string }>(
    `${ADVISOR_MARKER} SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0`,
    [view],
  );
  const has = new Set(cols.rows.map((r) => r.attname));
  const totalTime = has.has('total_exec_time') ? 'total_exec_time' : 'total_time';
  let rows: pg.QueryResult;
  try {
    rows = await client.query(`${ADVISOR_MARKER}
      SELECT queryid::text AS id, min(query) AS query, sum(calls)::float8 AS calls, sum(${totalTime})::float8 AS total_ms,
             sum(rows)::float8 AS rows, sum(shared_blks_hit)::float8 AS hit, sum(shared_blks_read)::float8 AS read
        FROM ${view}
       WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
         ${has.has('toplevel') ? 'AND toplevel' : ''} AND queryid IS NOT NULL
       GROUP BY queryid
       ORDER BY sum(${totalTime}) DESC`);
  } catch (err) {
    // Told apart by SQLSTATE: the message follows the server's lc_messages.
    const msg = describeDbError(err);
    if (sqlstateOf(err) === OBJECT_NOT_IN_PREREQUISITE_STATE) {
      throw new HarvestError(
        `pg_stat_statements is installed but not loaded: add it to shared_preload_libraries and restart the server (${msg})`,
      );
    }
    if (sqlstateOf(err) === INSUFFICIENT_PRIVILEGE) {
      throw new HarvestError(`cannot read pg_stat_statements: ${msg}. Grant pg_read_all_stats (or pg_monitor) to the advisor's role.`);
    }
    throw err;
  }
  // Without pg_read_all_stats, other roles' rows come with the text and the queryid hidden.
  const hidden = await client.query<{ n: number; calls: number }>(`${ADVISOR_MARKER}
    SELECT count(*)::int AS n, coalesce(sum(calls), 0)::float8 AS calls FROM ${view}
     WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND queryid IS NULL`);
  const statements: WorkloadStatement[] = rows.rows.map((r) => ({
    id: r.id,
    query: r.query,
    calls: r.calls,
    totalExecMs: r.total_ms,
    meanExecMs: r.calls > 0 ? r.total_ms / r.calls : 0,
    rows: r.rows,
    sharedBlksHit: r.hit,
    sharedBlksRead: r.read,
    source: 'pg_stat_statements',
  }));
  const workload = selectStatements(statements, `pg_stat_statements on ${redactUrl(url)}`, opts);
  const h = hidden.rows[0]!;
  if (h.n > 0) {
    workload.warnings.push(
      `${h.n} statements of other roles are hidden (${Math.round(h.calls)} calls; pg_stat_statements shows <insufficient privilege>): ` +
        "grant pg_read_all_stats (or pg_monitor) to the advisor's role to include them.",
    );
  }
  if (workload.statements.length === 0) {
    workload.warnings.push('pg_stat_statements holds no statement to advise for this database (reset recently, or nothing ran yet?).');
  }
  return workload;
}

/** Applies the skip rules and the --min-calls/--min-total-ms/--top filters, keeping the reasons. */
export function selectStatements(all: WorkloadStatement[], origin: string, opts: HarvestOptions): Workload {
  const skipped: SkippedStatement[] = [];
  const kept: WorkloadStatement[] = [];
  const warnings: string[] = [];
  for (const s of all) {
    const reason = skipReason(s.query);
    if (reason) skipped.push({ id: s.id, query: s.query, reason });
    else if (opts.minCalls !== undefined && s.calls < opts.minCalls)
      skipped.push({ id: s.id, query: s.query, reason: `fewer than ${opts.minCalls} calls` });
    else if (opts.minTotalMs !== undefined && s.totalExecMs < opts.minTotalMs) {
      skipped.push({ id: s.id, query: s.query, reason: `less than ${opts.minTotalMs} ms in total` });
    } else kept.push(s);
  }
  kept.sort((a, b) => b.totalExecMs - a.totalExecMs || b.calls - a.calls);
  if (opts.top !== undefined && kept.length > opts.top) {
    for (const s of kept.splice(opts.top)) skipped.push({ id: s.id, query: s.query, reason: `not in the top ${opts.top} by total time` });
  }
  return { statements: kept, skipped, origin, warnings };
}
