// How the what-if sessions send their EXPLAIN, PREPARE and DEALLOCATE statements without filling
// the target's pg_stat_statements. With its default track_utility = on, every distinct utility
// text there is an entry: one `EXPLAIN ... <statement>` per statement costed (and `PREPARE ... AS
// <statement>` texts, where the server records those), so one run over a thousand statements added some 850 entries
// of the advisor's own, evicting the user's (pg_stat_statements.max is 5,000 by default). Only a
// superuser may turn tracking off for a session (`pg_stat_statements.track`, `track_utility`).
//
// What any role can do: pg_stat_statements' default `track = top` records what the client sends,
// not what runs inside it. So a batch of statements goes as three statements whose texts never
// change: `SELECT set_config('pgia.batch', <the statements as JSON>, false)` (its constant is
// normalized away: one entry), one `DO` block that EXECUTEs each statement and keeps their plans
// in `pgia.result`, and `SELECT current_setting('pgia.result')`: three entries, whatever the
// workload's size and however many runs and sessions. hypopg sees the nested EXPLAINs as it sees
// the client's (its hook looks at every EXPLAIN), and errors keep their SQLSTATE.
//
// The price is time: a batch of 25 EXPLAINs took 4 to 6 ms more (about a fifth) than sent as
// they are, most of it bringing the plans back through set_config and current_setting.
//
// One difference: statement_timeout now bounds a whole batch (the DO block is one statement), where
// it bounded each statement of a multi-statement query; a batch that runs out of time is costed
// again one statement at a time (PlanCoster.costMany), each under its own timeout, as before.
//
// Nothing is created (a temporary function would do the same, but needs the TEMPORARY privilege,
// a read-write transaction and a primary, and its per-session oid made each session's calls a new
// entry): it works read-only and on a hot standby. It needs USAGE on PL/pgSQL, which PUBLIC has by
// default; where a role lacks it, the session sends each statement itself as before, and says so.
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';
import { quoteLiteral } from '../db/quote.js';

/** Runs statements in one round trip; each statement's result, in order. */
export interface StatementRunner {
  /**
   * One round trip for all of `statements`, as one multi-statement query would run them (one
   * transaction; the first error stops it). An error keeps its SQLSTATE (`code`), and its
   * `position` counts from the start of `statements.join('; ')`, as for the multi-statement query.
   */
  run(statements: string[]): Promise<pg.QueryResult[]>;
}

export interface QuietExplain {
  runner: StatementRunner;
  /** Set when the session sends the statements itself (pg_stat_statements then keeps one entry per text): why. */
  note?: string;
}

/** The batch, read from `pgia.batch` as `[[statement, returnsRows], ...]`; the results to `pgia.result`, a JSON array. */
const RUN_BATCH = `${ADVISOR_MARKER} DO $pgia$
DECLARE
  item json;
  result json;
  results json[] := '{}';
BEGIN
  FOR item IN SELECT json_array_elements(current_setting('pgia.batch')::json) LOOP
    result := NULL;
    IF (item->>1)::boolean THEN
      EXECUTE item->>0 INTO result;
    ELSE
      EXECUTE item->>0;
    END IF;
    results := results || result;
  END LOOP;
  PERFORM set_config('pgia.result', array_to_json(results)::text, false);
END
$pgia$`;

/** As text, parsed here: a `::json` cast would have the server validate the plans once more (a third of a batch's time). */
const READ_RESULT = `${ADVISOR_MARKER} SELECT current_setting('pgia.result') AS results`;

/** SQLSTATEs that mean "this role may not run a DO block here": permission (USAGE on plpgsql), no such language. */
const CANNOT_RUN_DO = new Set(['42501', '42704']);

/** The statements as one multi-statement simple query (every text an entry of pg_stat_statements). */
export function plainRunner(client: pg.Client): StatementRunner {
  return {
    async run(statements) {
      const r = (await client.query(statements.join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
      return Array.isArray(r) ? r : [r];
    },
  };
}

/** Does the statement return rows (an EXPLAIN), or only run (PREPARE, DEALLOCATE, SET)? */
const returnsRows = (sql: string) => /^\s*(?:\/\*[\s\S]*?\*\/\s*)*EXPLAIN\b/i.test(sql);

type ServerError = Error & { code?: string; position?: string; internalPosition?: string; internalQuery?: string };

/** The statements through the DO block: three statement texts for every batch of every session. */
export function quietRunner(client: pg.Client): StatementRunner {
  return {
    async run(statements) {
      const batch = JSON.stringify(statements.map((s) => [s, returnsRows(s)]));
      const sql = `${ADVISOR_MARKER} SELECT set_config('pgia.batch', ${quoteLiteral(batch)}, false) IS NULL; ${RUN_BATCH}; ${READ_RESULT}`;
      try {
        const r = (await client.query(sql)) as unknown as pg.QueryResult[];
        const results = JSON.parse((r[2]!.rows[0] as { results: string }).results) as unknown[];
        return results.map((plan) => ({ rows: plan === null ? [] : [{ 'QUERY PLAN': plan }] }) as unknown as pg.QueryResult);
      } catch (err) {
        throw asIfSentDirectly(err as ServerError, statements);
      }
    },
  };
}

/**
 * An error raised inside the DO block names the failing statement as `internalQuery` and its
 * position within it as `internalPosition`: give it the `position` the multi-statement query
 * would have had, so that callers read both alike.
 */
function asIfSentDirectly(err: ServerError, statements: string[]): ServerError {
  const at = err.internalQuery === undefined ? -1 : statements.indexOf(err.internalQuery);
  if (at < 0 || err.internalPosition === undefined) return err;
  const offset = statements.slice(0, at).reduce((n, s) => n + s.length + 2, 0);
  err.position = String(offset + Number(err.internalPosition));
  return err;
}

/** The quiet runner where this session may run a DO block (tried once), else the plain one and why. */
export async function openQuietExplain(client: pg.Client): Promise<QuietExplain> {
  const runner = quietRunner(client);
  try {
    await runner.run([`${ADVISOR_MARKER} EXPLAIN (FORMAT JSON) SELECT 1`]);
    return { runner };
  } catch (err) {
    const e = err as ServerError;
    if (!e.code || !CANNOT_RUN_DO.has(e.code)) throw err;
    return {
      runner: plainRunner(client),
      note:
        `The what-if sessions cannot run a DO block (${e.code}: ${e.message}), so pg_stat_statements records each EXPLAIN text ` +
        'the advisor sends (with track_utility = on, the default): about one entry per statement costed. ' +
        'GRANT USAGE ON LANGUAGE plpgsql to the role to keep that to a handful.',
    };
  }
}
