// The history in a PostgreSQL database (`--history postgresql://…`), for teams and fleets: one
// database shared by every scheduler instance. The advisor creates its schema and migrates it
// (MIGRATIONS, applied in order under a transaction-level advisory lock, the version kept in
// pgia_history.schema_version). Two runs against the same target never overlap: the run holds a
// session-level advisory lock on this database (never on the target, which may be a replica)
// until it ends; a run that dies loses it with its session.
//
//   pgia_history.snapshots           one row per run: target, taken_at, stats_reset and the snapshot
//                                    (jsonb; its counters.statements are in the next table)
//   pgia_history.statement_counters  one row per run and pg_stat_statements entry (queryid, userid,
//                                    dbid): the cumulative counters read, and the text
import type pg from 'pg';
import { connect, redactUrl } from '../db/connect.js';
import type { Snapshot, StatementCounters } from '../types.js';
import { HistoryLockedError, type HistoryStore } from './store.js';

const SCHEMA = 'pgia_history';

/** Each entry moves the schema one version up; never edit one that has shipped, add the next. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE ${SCHEMA}.snapshots (
     id bigserial PRIMARY KEY,
     target text NOT NULL,
     taken_at timestamptz NOT NULL,
     stats_reset timestamptz,
     snapshot jsonb NOT NULL,
     UNIQUE (target, taken_at));
   CREATE TABLE ${SCHEMA}.statement_counters (
     snapshot_id bigint NOT NULL REFERENCES ${SCHEMA}.snapshots ON DELETE CASCADE,
     queryid bigint NOT NULL,
     userid oid NOT NULL,
     dbid oid NOT NULL,
     query text NOT NULL,
     calls float8 NOT NULL,
     total_exec_ms float8 NOT NULL,
     rows float8 NOT NULL,
     shared_blks_hit float8 NOT NULL,
     shared_blks_read float8 NOT NULL,
     PRIMARY KEY (snapshot_id, queryid, userid, dbid))`,
];

/** The keys of the advisory locks: the first int4 says "ours", the second is the target's or the schema's. */
const LOCK_CLASS = "hashtext('pg-index-advisor history')";

export async function openPostgresStore(url: string): Promise<HistoryStore> {
  const client = await connect(url, { readOnly: false, statementTimeoutMs: 60_000, applicationName: 'pg-index-advisor history' });
  try {
    await migrate(client);
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }

  async function snapshots(target: string, after?: string, latestOnly = false): Promise<Snapshot[]> {
    const rows = await client.query<{ id: string; snapshot: Snapshot }>(
      `SELECT id::text AS id, snapshot FROM ${SCHEMA}.snapshots
        WHERE target = $1 AND ($2::timestamptz IS NULL OR taken_at > $2::timestamptz)
        ORDER BY taken_at ${latestOnly ? 'DESC LIMIT 1' : ''}`,
      [target, after ?? null],
    );
    if (rows.rows.length === 0) return [];
    const counters = await client.query(
      `SELECT snapshot_id::text AS id, queryid::text AS queryid, userid::int8 AS userid, dbid::int8 AS dbid, query, calls,
              total_exec_ms, rows, shared_blks_hit, shared_blks_read
         FROM ${SCHEMA}.statement_counters WHERE snapshot_id = ANY($1::bigint[]) ORDER BY snapshot_id, queryid, userid`,
      [rows.rows.map((r) => r.id)],
    );
    const bySnapshot = new Map<string, StatementCounters[]>();
    for (const r of counters.rows) {
      const list = bySnapshot.get(r.id) ?? [];
      list.push({
        queryid: r.queryid,
        userid: Number(r.userid),
        dbid: Number(r.dbid),
        query: r.query,
        calls: r.calls,
        totalExecMs: r.total_exec_ms,
        rows: r.rows,
        sharedBlksHit: r.shared_blks_hit,
        sharedBlksRead: r.shared_blks_read,
      });
      bySnapshot.set(r.id, list);
    }
    const out = rows.rows.map((r) => ({ ...r.snapshot, counters: { ...r.snapshot.counters, statements: bySnapshot.get(r.id) ?? [] } }));
    return out.sort((a, b) => a.takenAt.localeCompare(b.takenAt));
  }

  return {
    where: redactUrl(url),
    async lock(target) {
      // Its own session: the lock lasts as long as it, and the store's session stays free for reads.
      const session = await connect(url, { readOnly: false, applicationName: 'pg-index-advisor lock' });
      const r = await session.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${LOCK_CLASS}, hashtext($1)) AS ok`, [target]);
      if (!r.rows[0]!.ok) {
        const holder = await session
          .query<{ pid: number; since: Date | null; app: string }>(
            `SELECT a.pid, a.backend_start AS since, a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a USING (pid)
              WHERE l.locktype = 'advisory' AND l.classid::int4 = ${LOCK_CLASS} AND l.objid::int4 = hashtext($1) AND l.granted`,
            [target],
          )
          .catch(() => ({ rows: [] }));
        await session.end().catch(() => {});
        const h = holder.rows[0];
        throw new HistoryLockedError(
          `another run against ${target} is on (it holds the advisory lock in ${redactUrl(url)}` +
            (h ? `: backend pid ${h.pid}, connected since ${h.since?.toISOString() ?? '?'}` : '') +
            ')',
        );
      }
      return async () => {
        await session.query(`SELECT pg_advisory_unlock(${LOCK_CLASS}, hashtext($1))`, [target]).catch(() => {});
        await session.end().catch(() => {});
      };
    },
    snapshots: (target, after) => snapshots(target, after),
    async latest(target) {
      return (await snapshots(target, undefined, true))[0];
    },
    async save(target, snapshot) {
      const { statements, ...counters } = snapshot.counters;
      await client.query('BEGIN');
      try {
        const r = await client.query<{ id: string }>(
          `INSERT INTO ${SCHEMA}.snapshots (target, taken_at, stats_reset, snapshot) VALUES ($1, $2, $3, $4) RETURNING id::text AS id`,
          [target, snapshot.takenAt, counters.statsReset, JSON.stringify({ ...snapshot, counters: { ...counters, statements: [] } })],
        );
        await client.query(
          `INSERT INTO ${SCHEMA}.statement_counters
             (snapshot_id, queryid, userid, dbid, query, calls, total_exec_ms, rows, shared_blks_hit, shared_blks_read)
           SELECT $1, * FROM unnest($2::bigint[], $3::oid[], $4::oid[], $5::text[], $6::float8[], $7::float8[], $8::float8[],
                                    $9::float8[], $10::float8[])`,
          [
            r.rows[0]!.id,
            statements.map((s) => s.queryid),
            statements.map((s) => s.userid),
            statements.map((s) => s.dbid),
            statements.map((s) => s.query),
            statements.map((s) => s.calls),
            statements.map((s) => s.totalExecMs),
            statements.map((s) => s.rows),
            statements.map((s) => s.sharedBlksHit),
            statements.map((s) => s.sharedBlksRead),
          ],
        );
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    },
    async close() {
      await client.end().catch(() => {});
    },
  };
}

/** Creates the schema or brings it up to date; several advisors starting at once take turns. */
export async function migrate(client: pg.Client): Promise<number> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT pg_advisory_xact_lock(${LOCK_CLASS}, 0)`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${SCHEMA}.schema_version (version int NOT NULL)`);
    const v = await client.query<{ version: number }>(`SELECT version FROM ${SCHEMA}.schema_version`);
    const current = v.rows[0]?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new Error(
        `the history database's schema is at version ${current}, newer than this advisor knows (${MIGRATIONS.length}): upgrade pg-index-advisor`,
      );
    }
    for (const sql of MIGRATIONS.slice(current)) await client.query(sql);
    if (v.rows.length === 0) await client.query(`INSERT INTO ${SCHEMA}.schema_version VALUES ($1)`, [MIGRATIONS.length]);
    else await client.query(`UPDATE ${SCHEMA}.schema_version SET version = $1`, [MIGRATIONS.length]);
    await client.query('COMMIT');
    return MIGRATIONS.length;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  }
}
