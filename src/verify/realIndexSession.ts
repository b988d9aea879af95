// Verification for index types hypopg cannot simulate (GIN, GiST): build the index for real inside
// a transaction on a scratch database the user names (--verify-real), EXPLAIN the statements, and
// roll back. Never used on the target unless the user passes the target's URL themselves.
import type pg from 'pg';
import { createIndexSql } from '../candidates/indexDefinition.js';
import { ADVISOR_MARKER, connect, ownReadsTimeoutMs, reconnect, redactUrl } from '../db/connect.js';
import { describeDbError, errorScope, isLost } from '../db/errors.js';
import { quoteIdent, quoteLiteral } from '../db/quote.js';
import type { CostOutcome, IndexCandidate, ParsedStatement, RealMeasurement } from '../types.js';
import { byCandidateKey, PlanCoster } from './planCoster.js';

/** The index's size and each statement's plan without and with it. */
export type RealVerification = { ok: true } & Omit<RealMeasurement, 'candidate'>;

export class RealIndexSession {
  private built = 0;
  private readonly coster: PlanCoster;

  private constructor(
    private readonly client: pg.Client,
    readonly url: string,
    serverVersion: number,
  ) {
    this.coster = new PlanCoster(client, serverVersion);
  }

  /** `again`: a new session in place of one whose connection was lost (waits for a restarting server). */
  static async open(url: string, statementTimeoutMs: number, again = false): Promise<RealIndexSession> {
    // The only session that writes: CREATE INDEX inside a transaction that is always rolled back.
    const opts = {
      readOnly: false,
      statementTimeoutMs: ownReadsTimeoutMs(statementTimeoutMs),
      applicationName: 'pg-index-advisor verify-real',
    };
    const client = again ? await reconnect(url, opts) : await connect(url, opts);
    try {
      const r = await client.query<{ v: string }>(`${ADVISOR_MARKER} SELECT current_setting('server_version_num') AS v`);
      // The builds and EXPLAINs run under --statement-timeout; the check above, under the advisor's own.
      await client.query(`SET statement_timeout = ${Math.max(0, Math.floor(statementTimeoutMs))}`);
      return new RealIndexSession(client, redactUrl(url), Math.floor(Number(r.rows[0]!.v) / 10000));
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  get explainCalls(): number {
    return this.coster.explainCalls;
  }

  /** The connection failed or closed (node-postgres' errors then carry no SQLSTATE). */
  get lost(): boolean {
    return isLost(this.client);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => {});
  }

  /** Costs the statements without and with the index, built for real, then rolls it all back. */
  async evaluate(candidate: IndexCandidate, statements: ParsedStatement[]): Promise<RealVerification | { ok: false; error: string }> {
    const name = `pgia_verify_${++this.built}`;
    await this.client.query('BEGIN');
    try {
      // A busy scratch table must not hold the build up: give up on the lock quickly.
      await this.client.query(`SET LOCAL lock_timeout = '2s'`);
      const before = new Map<string, CostOutcome>();
      for (const s of statements) before.set(s.id, await this.coster.cost(s));
      await this.client.query(`${ADVISOR_MARKER} ${createIndexSql(candidate, { name })}`);
      const size = await this.client.query<{ bytes: string }>(`SELECT pg_relation_size($1::regclass)::text AS bytes`, [
        `${quoteIdent(candidate.schema)}.${quoteIdent(name)}`,
      ]);
      const after = new Map<string, CostOutcome>();
      for (const s of statements) {
        const r = await this.coster.cost(s);
        // The plan names the real index; report it by the candidate's key like hypothetical ones.
        after.set(s.id, r.ok ? byCandidateKey(r, (n) => (n === name ? candidate.key : n)) : r);
      }
      return { ok: true, bytes: Number(size.rows[0]!.bytes), before, after };
    } catch (err) {
      // A lost connection is not the candidate's failure: measureRealIndexes reconnects and retries it.
      if (errorScope(err, this.client) === 'connection') throw err;
      return { ok: false, error: describeDbError(err) };
    } finally {
      await this.client.query('ROLLBACK').catch(() => {});
      this.coster.forgetSettings();
    }
  }
}

/** For messages: the literal form of a URL's database name. */
export function describeScratch(url: string): string {
  try {
    return quoteLiteral(decodeURIComponent(new URL(url).pathname.slice(1)));
  } catch {
    return 'the scratch database';
  }
}
