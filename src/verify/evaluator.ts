// Costs statements under index configurations, over several connections at once, remembering
// every answer: a statement's cost only depends on the hypothetical indexes of the tables it reads,
// so the cache key is (statement, those indexes).
import { tableOf } from '../candidates/tableOf.js';
import { mayUse } from '../candidates/usable.js';
import type { ConnectOptions } from '../db/connect.js';
import { ConnectionLostError, describeDbError, errorScope } from '../db/errors.js';
import type { CostOutcome, IndexCandidate, ParsedStatement } from '../types.js';
import { byCandidateKey } from './planCoster.js';
import { hypotheticalCount, WhatIfSession } from './whatIfSession.js';

export interface EvaluatorOptions extends ConnectOptions {
  concurrency?: number;
  createExtension?: boolean;
  /** Called after every batch of EXPLAIN calls with the running total. */
  onProgress?: (whatIfCalls: number) => void;
}

/** EXPLAINs sent in one query: fewer round trips, and a failing one costs at most this many again. */
const STATEMENTS_PER_ROUND_TRIP = 25;

export class WhatIfEvaluator {
  private readonly cache = new Map<string, CostOutcome>();
  /** Costings asked for and not answered yet: a second request waits for the first one's answer. */
  private readonly pending = new Map<string, Promise<CostOutcome>>();
  /** Per connection, the end of its queue of jobs. */
  private readonly queues: Promise<unknown>[];
  private nextSession = 0;
  /** hypopg's size estimate per candidate key. */
  readonly sizes = new Map<string, number>();
  /** Candidates hypopg could not create (unsupported access method...), with the reason. */
  readonly rejected = new Map<string, string>();
  cacheHits = 0;
  /** Connections lost and opened again, each with the error that ended it (the work was retried on the new one). */
  readonly reconnections: string[] = [];

  private constructor(
    private readonly sessions: WhatIfSession[],
    /** Tables (`schema.table`) each statement reads, resolved against the catalog. */
    private readonly tablesOf: ReadonlyMap<string, ReadonlySet<string>>,
    private readonly onProgress?: (calls: number) => void,
  ) {
    this.queues = sessions.map(() => Promise.resolve());
  }

  static async open(
    url: string,
    tablesOf: ReadonlyMap<string, ReadonlySet<string>>,
    opts: EvaluatorOptions = {},
  ): Promise<WhatIfEvaluator> {
    const first = await WhatIfSession.open(url, opts);
    // Whatever fails, every session opened so far is closed before the error goes on.
    let n: number;
    try {
      n = Math.max(1, opts.concurrency ?? (await first.freeConnectionShare()));
    } catch (err) {
      await first.close();
      throw err;
    }
    const opened = await Promise.allSettled(
      Array.from({ length: n - 1 }, () => WhatIfSession.open(url, { ...opts, createExtension: false })),
    );
    const rest = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await Promise.all([first, ...rest].map((s) => s.close()));
      throw failed.reason;
    }
    return new WhatIfEvaluator([first, ...rest], tablesOf, opts.onProgress);
  }

  /** Connections (what-if sessions) working in parallel. */
  get connections(): number {
    return this.sessions.length;
  }

  get serverVersion(): number {
    return this.sessions[0]!.serverVersion;
  }

  /** The target's hypopg can hide an existing index (1.4+): `costs(..., { hidden })` then works. */
  get canHide(): boolean {
    return this.sessions[0]!.canHide;
  }

  get hypopgVersion(): string {
    return this.sessions[0]!.hypopgVersion;
  }

  /** Why this run's EXPLAINs show in pg_stat_statements one by one, when they do (said once for all sessions). */
  get footprintNote(): string | undefined {
    return this.sessions.find((s) => s.footprintNote)?.footprintNote;
  }

  get whatIfCalls(): number {
    return this.sessions.reduce((n, s) => n + s.explainCalls, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()));
  }

  /**
   * The part of `config` that can change the statement's plan: indexes on its tables that it can
   * use. Narrower than "on its tables", so that choosing an index on lineitem (l_partkey) leaves
   * the cached costs of the statements that never mention l_partkey valid.
   */
  relevant(stmt: ParsedStatement, config: IndexCandidate[]): IndexCandidate[] {
    const tables = this.tablesOf.get(stmt.id) ?? new Set();
    return config.filter((c) => tables.has(tableOf(c)) && !this.rejected.has(c.key) && mayUse(stmt, c));
  }

  private cacheKey(stmt: ParsedStatement, relevant: IndexCandidate[], values?: string[], hidden?: readonly number[]): string {
    return `${stmt.id}\u0000${relevant
      .map((c) => c.key)
      .sort()
      .join(
        '\u0000',
      )}${values ? `\u0001${values.join('\u0000')}` : ''}${hidden?.length ? `\u0002${[...hidden].sort((a, b) => a - b).join(',')}` : ''}`;
  }

  /**
   * Costs each statement with the given hypothetical indexes in place (plans use the indexes'
   * names as candidate keys in `indexesUsed`). One job runs per connection at a time. With
   * `values` (SQL literals per statement), the custom plans for those values instead. With `hidden`
   * (oids of existing indexes; hypopg 1.4+, see `canHide`), as if those indexes were dropped.
   */
  async costs(
    statements: ParsedStatement[],
    config: IndexCandidate[],
    opts: { values?: Map<string, string[]>; remember?: boolean; hidden?: readonly number[] } = {},
  ): Promise<Map<string, CostOutcome>> {
    const values = opts.values;
    const hidden = opts.hidden ?? [];
    // Screening's every-candidate configurations never come back: neither looked up nor kept
    // (their keys, hundreds of candidates each, cost more than the lookups save).
    const remember = opts.remember ?? true;
    const out = new Map<string, CostOutcome>();
    const todo: ParsedStatement[] = [];
    const keys = new Map<string, string>();
    const waits: Promise<unknown>[] = [];
    const answer = new Map<string, { resolve: (r: CostOutcome) => void; reject: (e: unknown) => void }>();
    for (const s of statements) {
      if (remember) {
        const key = this.cacheKey(s, this.relevant(s, config), values?.get(s.id), hidden);
        keys.set(s.id, key);
        const hit = this.cache.get(key);
        if (hit) {
          this.cacheHits++;
          out.set(s.id, hit);
          continue;
        }
        // Asked already and not answered yet: the same answer, whatever the timing.
        const pending = this.pending.get(key);
        if (pending) {
          this.cacheHits++;
          waits.push(pending.then((r) => out.set(s.id, r)));
          continue;
        }
        const owed = new Promise<CostOutcome>((resolve, reject) => answer.set(key, { resolve, reject }));
        // Rejected when the connection is lost for good: whoever waits for it hears; nobody waiting is no crash.
        owed.catch(() => {});
        this.pending.set(key, owed);
      }
      todo.push(s);
    }
    // Every statement sees the whole configuration (an index a statement cannot use does not
    // change its plan), so one set-up of hypothetical indexes serves them all; the statements are
    // split between the connections.
    const install = config.filter((c) => !this.rejected.has(c.key));
    const chunk = Math.max(1, Math.ceil(todo.length / this.sessions.length));
    const jobs: ParsedStatement[][] = [];
    for (let i = 0; i < todo.length; i += chunk) jobs.push(todo.slice(i, i + chunk));
    const settle = (key: string, outcome: CostOutcome | Error) => {
      const a = answer.get(key);
      if (!a) return;
      this.pending.delete(key);
      answer.delete(key);
      if (outcome instanceof Error) a.reject(outcome);
      else a.resolve(outcome);
    };
    const run = Promise.all(
      jobs.map((stmts) =>
        this.onSession(async (session) => {
          const usable = await this.install(session, install);
          await session.useHidden(hidden);
          for (let i = 0; i < stmts.length; i += STATEMENTS_PER_ROUND_TRIP) {
            const batch = stmts.slice(i, i + STATEMENTS_PER_ROUND_TRIP);
            const results = await session.costMany(batch, (s) => values?.get(s.id));
            batch.forEach((s, j) => {
              const r = results[j]!;
              const outcome: CostOutcome = r.ok ? byCandidateKey(r, (n) => session.keyOfIndexName(n) ?? n) : r;
              if (remember) {
                // The lookup's key holds unless hypopg refused one of the indexes just now.
                const key =
                  usable.length === install.length
                    ? keys.get(s.id)!
                    : this.cacheKey(s, this.relevant(s, usable), values?.get(s.id), hidden);
                this.cache.set(key, outcome);
                settle(keys.get(s.id)!, outcome);
              }
              out.set(s.id, outcome);
            });
          }
          this.onProgress?.(this.whatIfCalls);
        }),
      ),
    );
    try {
      await run;
    } catch (err) {
      // Whoever waits for an answer this call owed gets the error too, rather than waiting forever.
      for (const key of [...answer.keys()]) settle(key, err instanceof Error ? err : new Error(String(err)));
      throw err;
    }
    await Promise.all(waits);
    return out;
  }

  /** The answers already had for these statements under `config`, without asking (what a run that lost its connection keeps). */
  known(statements: ParsedStatement[], config: IndexCandidate[] = []): Map<string, CostOutcome> {
    const out = new Map<string, CostOutcome>();
    for (const s of statements) {
      const hit = this.cache.get(this.cacheKey(s, this.relevant(s, config)));
      if (hit) out.set(s.id, hit);
    }
    return out;
  }

  /** hypopg's estimated size of each candidate, creating it once where not known yet. */
  async estimateSizes(candidates: IndexCandidate[]): Promise<void> {
    const missing = candidates.filter((c) => !this.sizes.has(c.key) && !this.rejected.has(c.key));
    // At most 200 hypothetical indexes a batch (a candidate on a partitioned table makes one per partition).
    const batches: IndexCandidate[][] = [];
    let batch: IndexCandidate[] = [];
    let size = 0;
    for (const c of missing) {
      if (batch.length > 0 && size + hypotheticalCount(c) > 200) {
        batches.push(batch);
        [batch, size] = [[], 0];
      }
      batch.push(c);
      size += hypotheticalCount(c);
    }
    if (batch.length > 0) batches.push(batch);
    await Promise.all(batches.map((batch) => this.onSession((session) => this.install(session, batch))));
  }

  /**
   * Jobs go to the connections in turn, and each connection runs its jobs in the order they came:
   * which hypothetical indexes a connection holds, and the order hypopg created them in, then
   * depend on the calls alone, not on timing. The planner breaks ties between equally cheap
   * indexes by that order, so with a shared pool of free connections two runs could choose
   * different sets.
   */
  private onSession<T>(work: (session: WhatIfSession) => Promise<T>): Promise<T> {
    const i = this.nextSession++ % this.sessions.length;
    const run = this.queues[i]!.then(() => this.retryOnce(this.sessions[i]!, work));
    this.queues[i] = run.catch(() => {});
    return run;
  }

  /**
   * A job whose connection is lost is done again, from the start (its hypothetical indexes went
   * with the backend), on a new connection; lost again, it ends the run (ConnectionLostError).
   * A job is idempotent: it installs its configuration and costs its statements.
   */
  private async retryOnce<T>(session: WhatIfSession, work: (session: WhatIfSession) => Promise<T>): Promise<T> {
    try {
      return await work(session);
    } catch (err) {
      if (errorScope(err) !== 'connection' && !session.lost) throw err;
      try {
        await session.reconnect();
      } catch (again) {
        throw new ConnectionLostError('costing statements with hypothetical indexes', again);
      }
      this.reconnections.push(describeDbError(err));
      try {
        return await work(session);
      } catch (again) {
        if (errorScope(again) === 'connection' || session.lost)
          throw new ConnectionLostError('costing statements with hypothetical indexes', again);
        throw again;
      }
    }
  }

  /** Makes `config` the session's hypothetical indexes; records sizes and what hypopg rejects. */
  private async install(session: WhatIfSession, config: IndexCandidate[]): Promise<IndexCandidate[]> {
    const created = await session.useIndexes(config);
    for (const [key, res] of created) {
      if (res instanceof Error) this.rejected.set(key, res.message);
      else this.sizes.set(key, res.bytes);
    }
    return config.filter((c) => !this.rejected.has(c.key));
  }
}
