// One analysis connection with its own set of hypothetical indexes (hypopg's are per backend).
// Statements are costed with their generic plan, the plan PostgreSQL uses when it does not know
// the parameter values, so `$n` text from pg_stat_statements can be costed as it is.
import type pg from 'pg';
import { createIndexSql } from '../candidates/indexDefinition.js';
import { ADVISOR_MARKER, type ConnectOptions, connect, ownReadsTimeoutMs, reconnect } from '../db/connect.js';
import { describeDbError, errorScope, isLost, SessionLostError } from '../db/errors.js';
import { quoteLiteral } from '../db/quote.js';
import type { CostOutcome, IndexCandidate, ParsedStatement } from '../types.js';
import { PlanCoster } from './planCoster.js';
import { openQuietExplain, type QuietExplain } from './quietExplain.js';

export class VerifyError extends Error {
  override name = 'VerifyError';
}

/** One candidate's hypothetical index: one per leaf partition on a partitioned table. */
export interface HypotheticalIndex {
  oids: number[];
  names: string[];
  bytes: number;
}

/**
 * A clean start now and then. hypopg hands out a limited range of OIDs (about 8,000 live
 * hypothetical indexes here, then "not more oid available"), but reuses dropped ones: 20,000
 * creations with drops in between neither slowed it down nor ran out. Resetting every 1,000
 * creations made screening re-create most of its indexes. Live indexes do slow planning down (the
 * planner hook looks through all of them), so a session keeps exactly the set a job needs.
 */
const CREATIONS_BEFORE_RESET = 50_000;

/** The session's statement_timeout for planning the workload's statements (--statement-timeout). */
function planningTimeout(opts: ConnectOptions): string {
  return `SET statement_timeout = ${Math.max(0, Math.floor(opts.statementTimeoutMs ?? 30_000))}`;
}

/**
 * One text[] literal: one constant however many definitions, so that pg_stat_statements keeps one
 * entry for the advisor's hypopg calls (an ARRAY[...] of N constants is an entry per N).
 */
function textArray(values: string[]): string {
  return quoteLiteral(`{${values.map((v) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',')}}`);
}

/** Hypothetical indexes a candidate takes: one per leaf partition on a partitioned table. */
export const hypotheticalCount = (c: IndexCandidate): number => Math.max(1, c.partitions?.length ?? 0);

export class WhatIfSession {
  private readonly active = new Map<string, HypotheticalIndex>();
  /** Existing indexes hidden from the planner now (hypopg 1.4+), by oid, sorted. */
  private hidden: number[] = [];
  private created = 0;
  private readonly coster: PlanCoster;
  private closed = false;
  /** Times this session opened its connection again after losing it. */
  reconnections = 0;

  private constructor(
    private client: pg.Client,
    readonly serverVersion: number,
    quiet: QuietExplain,
    private readonly url: string,
    private readonly opts: ConnectOptions,
    /** The target's hypopg version, and whether it can hide an existing index (hypopg_hide_index, 1.4+). */
    readonly hypopgVersion: string,
    readonly canHide: boolean,
  ) {
    this.coster = new PlanCoster(client, serverVersion, quiet.runner);
    this.footprintNote = quiet.note;
  }

  /** Set when this session's EXPLAINs show in pg_stat_statements one by one (./quietExplain.ts says why). */
  readonly footprintNote: string | undefined;

  static async open(url: string, opts: ConnectOptions & { createExtension?: boolean } = {}): Promise<WhatIfSession> {
    if (opts.createExtension) {
      // The one change to the target the user may ask for: outside the read-only session.
      const admin = await connect(url, { ...opts, readOnly: false });
      try {
        await admin.query('CREATE EXTENSION IF NOT EXISTS hypopg');
      } finally {
        await admin.end();
      }
    }
    // The run has just read the catalog over this URL: a server that refuses now is restarting, and is waited for.
    const client = await reconnect(url, { ...opts, statementTimeoutMs: ownReadsTimeoutMs(opts.statementTimeoutMs) });
    try {
      // Hiding is told by the function itself in the extension's schema, not by parsing the version.
      const r = await client.query<{ v: string; hypopg: string | null; available: string | null; hide: boolean }>(`${ADVISOR_MARKER}
        SELECT current_setting('server_version_num') AS v,
               (SELECT extversion FROM pg_extension WHERE extname = 'hypopg') AS hypopg,
               (SELECT default_version FROM pg_available_extensions WHERE name = 'hypopg') AS available,
               EXISTS (SELECT FROM pg_proc p JOIN pg_extension e ON e.extnamespace = p.pronamespace
                        WHERE e.extname = 'hypopg' AND p.proname = 'hypopg_hide_index') AS hide`);
      const row = r.rows[0]!;
      if (!row.hypopg) {
        throw new VerifyError(
          row.available
            ? 'hypopg is available on the server but not created in this database: ' +
                'run CREATE EXTENSION hypopg; (it writes nothing but its functions), or pass --create-extension.'
            : 'hypopg is not installed on the server. ' +
                'On Debian/Ubuntu: apt-get install postgresql-<major>-hypopg (e.g. postgresql-15-hypopg), ' +
                'then CREATE EXTENSION hypopg; in the database.',
        );
      }
      // Tried under the advisor's own timeout: --statement-timeout is for the workload's plans.
      const quiet = await openQuietExplain(client);
      await client.query(planningTimeout(opts));
      const { createExtension: _, ...connectOpts } = opts as ConnectOptions & { createExtension?: boolean };
      return new WhatIfSession(client, Math.floor(Number(row.v) / 10000), quiet, url, connectOpts, row.hypopg, row.hide);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  /**
   * A new connection in place of a lost one (waiting for a restarting server, db/connect.ts): the
   * hypothetical indexes went with the old backend, so the session starts with none.
   */
  async reconnect(): Promise<void> {
    if (this.closed) throw new SessionLostError('the session was closed');
    await this.client.end().catch(() => {});
    const client = await reconnect(this.url, { ...this.opts, statementTimeoutMs: ownReadsTimeoutMs(this.opts.statementTimeoutMs) });
    if (this.closed) {
      // Closed while it waited for the server: nothing may stay open.
      await client.end().catch(() => {});
      throw new SessionLostError('the session was closed while it reconnected');
    }
    let quiet: QuietExplain;
    try {
      quiet = await openQuietExplain(client);
      await client.query(planningTimeout(this.opts));
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.client = client;
    this.coster.useClient(client, quiet.runner);
    this.active.clear();
    this.hidden = [];
    this.created = 0;
    this.reconnections++;
  }

  /** The connection failed or closed (node-postgres' errors then carry no SQLSTATE). */
  get lost(): boolean {
    return isLost(this.client);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client.query('SELECT hypopg_reset()').catch(() => {});
    await this.client.end().catch(() => {});
  }

  /**
   * A default for --concurrency from the server's limits: a quarter of the connections still free
   * (leave the application its pool), between 1 and 4.
   */
  async freeConnectionShare(): Promise<number> {
    const r = await this.bookkeeping<{ free: number }>(`${ADVISOR_MARKER}
      SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
             - (SELECT count(*) FROM pg_stat_activity)::int AS free`);
    return Math.min(4, Math.max(1, Math.floor(r.rows[0]!.free / 4)));
  }

  /** Hypothetical indexes now in effect, by candidate key. */
  get activeKeys(): string[] {
    return [...this.active.keys()];
  }

  /**
   * Makes exactly `candidates` the hypothetical indexes of this session, creating and dropping the
   * difference in one round trip each: screening moves between sets of hundreds of indexes, and a
   * round trip per index made set-up most of its time.
   */
  async useIndexes(candidates: IndexCandidate[]): Promise<Map<string, HypotheticalIndex | Error>> {
    const wanted = new Map(candidates.map((c) => [c.key, c]));
    const result = new Map<string, HypotheticalIndex | Error>();
    if (this.created + candidates.reduce((n, c) => n + hypotheticalCount(c), 0) > CREATIONS_BEFORE_RESET) await this.reset();
    const drop: number[] = [];
    for (const [key, idx] of this.active) {
      if (!wanted.has(key)) {
        drop.push(...idx.oids);
        this.active.delete(key);
      }
    }
    if (drop.length > 0) {
      try {
        await this.bookkeeping(`${ADVISOR_MARKER} SELECT count(hypopg_drop_index(o)) FROM unnest('{${drop.join(',')}}'::oid[]) AS o`);
      } catch (err) {
        if (errorScope(err, this.client) === 'connection') throw err;
        // Which hypothetical indexes the backend still has is unknown now: only a new session is sure.
        throw new SessionLostError(`hypothetical indexes could not be dropped: ${(err as Error).message}`, err);
      }
    }
    const missing: IndexCandidate[] = [];
    for (const [key, c] of wanted) {
      const have = this.active.get(key);
      if (have) result.set(key, have);
      else missing.push(c);
    }
    if (missing.length === 0) return result;
    try {
      for (const [key, idx] of await this.create(missing)) {
        this.active.set(key, idx);
        result.set(key, idx);
      }
    } catch (err) {
      if (errorScope(err, this.client) === 'connection') throw err;
      // One definition hypopg refuses fails the whole batch, and hypopg keeps what the batch had
      // created before it (its list is not transactional): start clean, then one at a time.
      const keep = [...wanted.values()].filter((c) => this.active.has(c.key));
      await this.reset();
      for (const c of [...keep, ...missing]) {
        try {
          const [[key, idx]] = [...(await this.create([c]))] as [[string, HypotheticalIndex]];
          this.active.set(key, idx);
          result.set(key, idx);
        } catch (err) {
          // The candidate's own failure (a lock on its table, a definition hypopg refuses) rejects it, by SQLSTATE.
          if (errorScope(err, this.client) === 'connection') throw err;
          result.set(c.key, new Error(describeDbError(err)));
        }
      }
    }
    return result;
  }

  /**
   * Makes exactly these existing indexes (oids) hidden from the planner (hypopg 1.4+): what a
   * statement would cost once they are dropped. Hiding is per backend and writes nothing, so it
   * works in the read-only session (and on a standby); hypopg_reset() leaves it as it is.
   */
  async useHidden(oids: readonly number[]): Promise<void> {
    const want = [...new Set(oids)].sort((a, b) => a - b);
    if (want.join(',') === this.hidden.join(',')) return;
    if (!this.canHide) throw new VerifyError(`hypopg ${this.hypopgVersion} cannot hide an existing index (hypopg_hide_index came in 1.4)`);
    try {
      await this.bookkeeping(
        `${ADVISOR_MARKER} SELECT hypopg_unhide_all_indexes(), (SELECT count(hypopg_hide_index(o)) FROM unnest('{${want.join(',')}}'::oid[]) AS o)`,
      );
    } catch (err) {
      if (errorScope(err, this.client) === 'connection') throw err;
      // Which indexes are hidden now is unknown: the next call starts again from none. The error
      // is hiding's own (the caller goes on without it), not a reason to end the run.
      this.hidden = [-1];
      throw new VerifyError(`existing indexes could not be hidden: ${describeDbError(err)}`);
    }
    this.hidden = want;
  }

  private async reset(): Promise<void> {
    try {
      await this.bookkeeping(`${ADVISOR_MARKER} SELECT hypopg_reset()`);
    } catch (err) {
      if (errorScope(err, this.client) === 'connection') throw err;
      throw new SessionLostError(`hypothetical indexes could not be reset: ${(err as Error).message}`, err);
    }
    this.active.clear();
    this.created = 0;
  }

  /**
   * One of the session's own statements (hypopg's), under the advisor's own timeout rather than
   * --statement-timeout, which bounds the planning of the workload's statements: sent between two
   * SETs in one query, so a failure (which rolls the implicit transaction back) restores it too.
   */
  private async bookkeeping<R extends pg.QueryResultRow>(sql: string): Promise<pg.QueryResult<R>> {
    const r = (await this.client.query(
      `SET statement_timeout = ${ownReadsTimeoutMs(this.opts.statementTimeoutMs)}; ${sql}; ${planningTimeout(this.opts)}`,
    )) as unknown as pg.QueryResult<R>[];
    return r[1]!;
  }

  /** Creates the candidates' hypothetical indexes in one statement (one per leaf partition on a partitioned table). */
  private async create(candidates: IndexCandidate[]): Promise<Map<string, HypotheticalIndex>> {
    const defs: string[] = [];
    const owner: string[] = [];
    for (const c of candidates) {
      // The planner uses a partitioned table's indexes through its partitions': simulate those.
      const targets = c.partitions?.length ? c.partitions.map((p) => ({ ...c, schema: p.schema, table: p.name })) : [c];
      for (const t of targets) {
        defs.push(createIndexSql(t));
        owner.push(c.key);
      }
    }
    const r = await this.bookkeeping<{ n: number; oid: number; name: string; bytes: string }>(
      `${ADVISOR_MARKER} SELECT d.n::int AS n, h.indexrelid::int AS oid, h.indexname AS name, hypopg_relation_size(h.indexrelid)::text AS bytes
         FROM unnest(${textArray(defs)}::text[]) WITH ORDINALITY AS d(def, n),
              LATERAL hypopg_create_index(d.def) AS h ORDER BY d.n`,
    );
    this.created += defs.length;
    const out = new Map<string, HypotheticalIndex>();
    for (const row of r.rows) {
      const key = owner[row.n - 1]!;
      const idx = out.get(key) ?? { oids: [], names: [], bytes: 0 };
      idx.oids.push(row.oid);
      idx.names.push(row.name);
      idx.bytes += Number(row.bytes);
      out.set(key, idx);
    }
    return out;
  }

  /** Name of the hypothetical index (as plans show it) → candidate key. */
  keyOfIndexName(name: string): string | undefined {
    for (const [key, idx] of this.active) if (idx.names.includes(name)) return key;
    return undefined;
  }

  /** Planner cost of the statement with the current hypothetical indexes (see PlanCoster). */
  cost(stmt: ParsedStatement, values?: string[]): Promise<CostOutcome> {
    return this.coster.cost(stmt, values);
  }

  /** Planner costs of several statements, in one round trip where they all plan (see PlanCoster). */
  costMany(stmts: ParsedStatement[], values?: (stmt: ParsedStatement) => string[] | undefined): Promise<CostOutcome[]> {
    return this.coster.costMany(stmts, values);
  }

  get explainCalls(): number {
    return this.coster.explainCalls;
  }
}
