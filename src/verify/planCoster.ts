// Asks the planner what a statement costs on one connection, with whatever indexes (real or
// hypothetical) that connection sees. Statements with `$n` are costed by their generic plan (the
// plan PostgreSQL uses without parameter values), or by a custom plan for given values.
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';

export type CostOutcome =
  | { ok: true; cost: number; indexesUsed: string[]; scans: ScanEstimate[] }
  | { ok: false; error: string };

/** A plan node that reads a table, with the planner's row estimate. */
export interface ScanEstimate {
  relation: string;
  schema?: string;
  node: string;
  rows: number;
  index?: string;
}

export interface CostRequest {
  id: string;
  explainText?: string;
  paramCount: number;
  paramTypes?: string[];
  error?: string;
}

export class PlanCoster {
  /** EXPLAIN calls made (the literature's "what-if calls"). */
  explainCalls = 0;
  private genericPlanOption = true;
  private planCacheMode = '';
  /** Parameter types learned from "could not determine data type of parameter $n", per statement. */
  private readonly learnedTypes = new Map<string, string[]>();

  constructor(
    private readonly client: pg.Client,
    readonly serverVersion: number,
  ) {}

  /**
   * Planner total cost of the statement. Without `values`, its generic plan; with them (SQL
   * literals, one per parameter), the custom plan for those values.
   */
  async cost(stmt: CostRequest, values?: string[]): Promise<CostOutcome> {
    if (!stmt.explainText) return { ok: false, error: stmt.error ?? 'no explainable text' };
    for (let attempt = 0; attempt <= stmt.paramCount; attempt++) {
      try {
        const plan = await this.explain(stmt, values);
        return { ok: true, cost: plan['Total Cost'] as number, indexesUsed: indexNames(plan), scans: scans(plan) };
      } catch (err) {
        const msg = firstLine((err as Error).message);
        const untyped = /could not determine data type of parameter \$(\d+)/.exec(msg);
        if (!untyped) return { ok: false, error: msg };
        // jsonb_build_object($1, ...) and the like give a parameter no type: text is what the
        // normalized constant most often was.
        const types = [...this.typesOf(stmt)];
        const i = Number(untyped[1]) - 1;
        if (types[i] === 'text') return { ok: false, error: msg };
        types[i] = 'text';
        this.learnedTypes.set(stmt.id, types);
      }
    }
    return { ok: false, error: 'could not determine the parameter types' };
  }

  /** A ROLLBACK undoes SETs made in the transaction: forget what this session was set to. */
  forgetSettings(): void {
    this.planCacheMode = '';
  }

  private typesOf(stmt: CostRequest): string[] {
    return this.learnedTypes.get(stmt.id) ?? stmt.paramTypes ?? Array.from({ length: stmt.paramCount }, () => 'unknown');
  }

  private async explain(stmt: CostRequest, values?: string[]): Promise<Record<string, unknown>> {
    this.explainCalls++;
    const text = stmt.explainText!;
    if (stmt.paramCount === 0) return planOf(await this.client.query(`${ADVISOR_MARKER} EXPLAIN (FORMAT JSON) ${text}`));
    if (!values && this.serverVersion >= 16 && this.genericPlanOption && !this.typesOf(stmt).includes('text')) {
      // One round trip; it must go by the simple query protocol (no bind message).
      try {
        return planOf(await this.client.query(`${ADVISOR_MARKER} EXPLAIN (FORMAT JSON, GENERIC_PLAN) ${text}`));
      } catch (err) {
        if (!/GENERIC_PLAN/i.test((err as Error).message)) throw err;
        this.genericPlanOption = false;
      }
    }
    // PREPARE + EXPLAIN EXECUTE works on every version. The statement is prepared afresh each time:
    // a cached plan would not see a change of (hypothetical) indexes.
    // One fixed name: with track_utility on, pg_stat_statements keeps one entry per distinct
    // EXPLAIN EXECUTE text, and a new name per call would flood the user's statistics.
    const name = 'pgia_plan';
    const args = values ?? Array.from({ length: stmt.paramCount }, () => 'NULL');
    const mode = values ? 'force_custom_plan' : 'force_generic_plan';
    if (this.planCacheMode !== mode) {
      await this.client.query(`SET plan_cache_mode = ${mode}`);
      this.planCacheMode = mode;
    }
    // One round trip: PREPARE, EXPLAIN EXECUTE and DEALLOCATE as one simple-protocol query.
    try {
      const results = (await this.client.query(
        `PREPARE ${name}(${this.typesOf(stmt).join(', ')}) AS ${text}; ${ADVISOR_MARKER} EXPLAIN (FORMAT JSON) EXECUTE ${name}(${args.join(', ')}); DEALLOCATE ${name}`,
      )) as unknown as pg.QueryResult[];
      return planOf(results[1]!);
    } catch (err) {
      // The query stopped at the error: make sure the name is free for the next statement.
      await this.client.query(`DEALLOCATE ${name}`).catch(() => {});
      throw err;
    }
  }
}

function planOf(r: pg.QueryResult): Record<string, unknown> {
  return r.rows[0]['QUERY PLAN'][0].Plan;
}

function visit(plan: Record<string, unknown>, fn: (node: Record<string, unknown>) => void): void {
  fn(plan);
  for (const child of (plan.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child, fn);
}

/** Every index a plan reads (Index Scan, Index Only Scan, Bitmap Index Scan), by name. */
export function indexNames(plan: Record<string, unknown>): string[] {
  const out = new Set<string>();
  visit(plan, (n) => {
    if (typeof n['Index Name'] === 'string') out.add(n['Index Name']);
  });
  return [...out];
}

function scans(plan: Record<string, unknown>): ScanEstimate[] {
  const out: ScanEstimate[] = [];
  visit(plan, (n) => {
    if (typeof n['Relation Name'] !== 'string') return;
    const s: ScanEstimate = { relation: n['Relation Name'], node: String(n['Node Type']), rows: Number(n['Plan Rows']) };
    if (typeof n.Schema === 'string') s.schema = n.Schema;
    if (typeof n['Index Name'] === 'string') s.index = n['Index Name'];
    out.push(s);
  });
  return out;
}

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
