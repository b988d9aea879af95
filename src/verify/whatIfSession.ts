// One analysis connection with its own set of hypothetical indexes (hypopg's are per backend).
// Statements are costed with their generic plan, the plan PostgreSQL uses when it does not know
// the parameter values, so `$n` text from pg_stat_statements can be costed as it is.
import type pg from 'pg';
import { ADVISOR_MARKER, connect, type ConnectOptions } from '../db/connect.js';
import type { IndexCandidate, ParsedStatement } from '../types.js';
import { createIndexSql } from '../candidates/indexDefinition.js';
import { type CostOutcome, PlanCoster, firstLine } from './planCoster.js';

export class VerifyError extends Error {
  override name = 'VerifyError';
}

export type { CostOutcome } from './planCoster.js';

/** One candidate's hypothetical index: one per leaf partition on a partitioned table. */
export interface HypotheticalIndex {
  oids: number[];
  names: string[];
  bytes: number;
}

/** hypopg slows down past a few thousand indexes created in one backend: reset well before that. */
const CREATIONS_BEFORE_RESET = 1000;

export class WhatIfSession {
  private readonly active = new Map<string, HypotheticalIndex>();
  private created = 0;
  private readonly coster: PlanCoster;

  private constructor(
    private readonly client: pg.Client,
    readonly serverVersion: number,
  ) {
    this.coster = new PlanCoster(client, serverVersion);
  }

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
    const client = await connect(url, opts);
    try {
      const r = await client.query<{ v: string; hypopg: string | null; available: string | null }>(`${ADVISOR_MARKER}
        SELECT current_setting('server_version_num') AS v,
               (SELECT extversion FROM pg_extension WHERE extname = 'hypopg') AS hypopg,
               (SELECT default_version FROM pg_available_extensions WHERE name = 'hypopg') AS available`);
      const row = r.rows[0]!;
      if (!row.hypopg) {
        throw new VerifyError(
          row.available
            ? `hypopg is available on the server but not created in this database: run CREATE EXTENSION hypopg; (it writes nothing but its functions), or pass --create-extension.`
            : `hypopg is not installed on the server. On Debian/Ubuntu: apt-get install postgresql-<major>-hypopg (e.g. postgresql-15-hypopg), then CREATE EXTENSION hypopg; in the database.`,
        );
      }
      return new WhatIfSession(client, Math.floor(Number(row.v) / 10000));
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.client.query('SELECT hypopg_reset()').catch(() => {});
    await this.client.end().catch(() => {});
  }

  /**
   * A default for --concurrency from the server's limits: a quarter of the connections still free
   * (leave the application its pool), between 1 and 4.
   */
  async freeConnectionShare(): Promise<number> {
    const r = await this.client.query<{ free: number }>(`${ADVISOR_MARKER}
      SELECT current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
             - (SELECT count(*) FROM pg_stat_activity)::int AS free`);
    return Math.min(4, Math.max(1, Math.floor(r.rows[0]!.free / 4)));
  }

  /** Hypothetical indexes now in effect, by candidate key. */
  get activeKeys(): string[] {
    return [...this.active.keys()];
  }

  /** Makes exactly `candidates` the hypothetical indexes of this session (creating and dropping the difference). */
  async useIndexes(candidates: IndexCandidate[]): Promise<Map<string, HypotheticalIndex | Error>> {
    const wanted = new Map(candidates.map((c) => [c.key, c]));
    const result = new Map<string, HypotheticalIndex | Error>();
    if (this.created + candidates.length > CREATIONS_BEFORE_RESET) {
      await this.client.query(`${ADVISOR_MARKER} SELECT hypopg_reset()`);
      this.active.clear();
      this.created = 0;
    }
    for (const [key, idx] of this.active) {
      if (!wanted.has(key)) {
        for (const oid of idx.oids) await this.client.query(`${ADVISOR_MARKER} SELECT hypopg_drop_index($1)`, [oid]);
        this.active.delete(key);
      }
    }
    for (const [key, c] of wanted) {
      const have = this.active.get(key);
      if (have) {
        result.set(key, have);
        continue;
      }
      try {
        // The planner uses a partitioned table's indexes through its partitions': simulate those.
        const targets = c.partitions?.length ? c.partitions.map((p) => ({ ...c, schema: p.schema, table: p.name })) : [c];
        const idx: HypotheticalIndex = { oids: [], names: [], bytes: 0 };
        for (const t of targets) {
          const r = await this.client.query<{ oid: number; name: string; bytes: string }>(
            `${ADVISOR_MARKER} SELECT indexrelid::int AS oid, indexname AS name, hypopg_relation_size(indexrelid)::text AS bytes FROM hypopg_create_index($1)`,
            [createIndexSql(t)],
          );
          this.created++;
          const row = r.rows[0]!;
          idx.oids.push(row.oid);
          idx.names.push(row.name);
          idx.bytes += Number(row.bytes);
        }
        this.active.set(key, idx);
        result.set(key, idx);
      } catch (err) {
        result.set(key, new Error(firstLine((err as Error).message)));
      }
    }
    return result;
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

  get explainCalls(): number {
    return this.coster.explainCalls;
  }
}
