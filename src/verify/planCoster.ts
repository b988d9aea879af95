// Asks the planner what a statement costs on one connection, with whatever indexes (real or
// hypothetical) that connection sees. Statements with `$n` are costed by their generic plan (the
// plan PostgreSQL uses without parameter values), or by a custom plan for given values.
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';
import type { CostOutcome, ScanEstimate } from '../types.js';

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

  /**
   * Costs several statements in one round trip (one multi-statement simple query): on a busy
   * machine a round trip, not the planning, is most of a what-if call's time. When one of them
   * fails, the query stops there; the batch is then costed one statement at a time, which sorts
   * out errors and parameter types as `cost` does.
   */
  async costMany<T extends CostRequest>(stmts: T[], values?: (stmt: T) => string[] | undefined): Promise<CostOutcome[]> {
    const oneByOne = async () => {
      const out: CostOutcome[] = [];
      for (const s of stmts) out.push(await this.cost(s, values?.(s)));
      return out;
    };
    const plannable = stmts.filter((s) => s.explainText);
    if (plannable.length <= 1) return oneByOne();
    const sql: string[] = [];
    const planAt: number[] = [];
    let mode = this.planCacheMode;
    for (const s of plannable) {
      const v = values?.(s);
      const q = this.explainSql(s, v);
      if (q.mode && q.mode !== mode) {
        sql.push(`SET plan_cache_mode = ${q.mode}`);
        mode = q.mode;
      }
      planAt.push(sql.length + q.planAt);
      sql.push(...q.sql);
    }
    let results: pg.QueryResult[];
    try {
      const r = (await this.client.query(sql.join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
      results = Array.isArray(r) ? r : [r];
      this.explainCalls += plannable.length;
      this.planCacheMode = mode;
    } catch {
      // The implicit transaction rolled back, SET included; the prepared name may be taken.
      this.forgetSettings();
      await this.client.query(`DEALLOCATE ${PREPARED}`).catch(() => {});
      return oneByOne();
    }
    const byStmt = new Map<T, CostOutcome>();
    plannable.forEach((s, i) => {
      const plan = planOf(results[planAt[i]!]!);
      byStmt.set(s, { ok: true, cost: plan['Total Cost'] as number, indexesUsed: indexNames(plan), scans: scans(plan) });
    });
    return stmts.map((s) => byStmt.get(s) ?? { ok: false, error: s.error ?? 'no explainable text' });
  }

  /** The SQL that explains one statement, which of its results holds the plan, and the plan_cache_mode it needs. */
  private explainSql(stmt: CostRequest, values?: string[]): { sql: string[]; planAt: number; mode?: string; generic?: boolean } {
    const text = stmt.explainText!;
    if (stmt.paramCount === 0) return { sql: [`${ADVISOR_MARKER} EXPLAIN (FORMAT JSON) ${text}`], planAt: 0 };
    if (!values && this.serverVersion >= 16 && this.genericPlanOption && this.typesOf(stmt).every((t) => t === 'unknown')) {
      // GENERIC_PLAN cannot declare parameter types: statements that need some go by PREPARE.
      return { sql: [`${ADVISOR_MARKER} EXPLAIN (FORMAT JSON, GENERIC_PLAN) ${text}`], planAt: 0, generic: true };
    }
    const args = values ?? Array.from({ length: stmt.paramCount }, () => 'NULL');
    return {
      sql: [
        `PREPARE ${PREPARED}(${this.typesOf(stmt).join(', ')}) AS ${text}`,
        `${ADVISOR_MARKER} EXPLAIN (FORMAT JSON) EXECUTE ${PREPARED}(${args.join(', ')})`,
        `DEALLOCATE ${PREPARED}`,
      ],
      planAt: 1,
      mode: values ? 'force_custom_plan' : 'force_generic_plan',
    };
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
    const q = this.explainSql(stmt, values);
    if (q.mode && this.planCacheMode !== q.mode) {
      await this.client.query(`SET plan_cache_mode = ${q.mode}`);
      this.planCacheMode = q.mode;
    }
    // One round trip, by the simple query protocol (GENERIC_PLAN takes no bind message; PREPARE,
    // EXPLAIN EXECUTE and DEALLOCATE go as one query).
    try {
      const r = (await this.client.query(q.sql.join('; '))) as unknown as pg.QueryResult | pg.QueryResult[];
      return planOf(Array.isArray(r) ? r[q.planAt]! : r);
    } catch (err) {
      if (q.generic && /GENERIC_PLAN/i.test((err as Error).message)) {
        // A server that reports 16+ but lacks the option (a fork): PREPARE from now on.
        this.genericPlanOption = false;
        this.explainCalls--;
        return this.explain(stmt, values);
      }
      // The query stopped at the error: make sure the name is free for the next statement.
      if (q.sql.length > 1) await this.client.query(`DEALLOCATE ${PREPARED}`).catch(() => {});
      throw err;
    }
  }
}

/**
 * PREPARE + EXPLAIN EXECUTE: the statement is prepared afresh each time, since a cached plan would
 * not see a change of (hypothetical) indexes. One fixed name: with track_utility on,
 * pg_stat_statements keeps one entry per distinct EXPLAIN EXECUTE text, and a new name per call
 * would flood the user's statistics.
 */
const PREPARED = 'pgia_plan';

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
  // Above a scan, what the cost model of a new access path replaces: a Gather over a parallel scan,
  // a Limit (over sorts) that a path in the right order would stop early.
  const walk = (n: Record<string, unknown>, above: Record<string, unknown>[]) => {
    if (typeof n['Relation Name'] === 'string') {
      const s: ScanEstimate = { relation: n['Relation Name'], node: String(n['Node Type']), rows: Number(n['Plan Rows']) };
      if (typeof n.Schema === 'string') s.schema = n.Schema;
      if (typeof n['Index Name'] === 'string') s.index = n['Index Name'];
      s.startupCost = Number(n['Startup Cost']);
      s.totalCost = Number(n['Total Cost']);
      if (typeof n.Filter === 'string') s.filter = n.Filter;
      if (n['Parallel Aware'] === true) s.parallel = true;
      const outer = [...above].reverse();
      const gather = outer[0];
      if (gather && /^Gather/.test(String(gather['Node Type']))) {
        s.gather = { workers: Number(gather['Workers Planned'] ?? 0), totalCost: Number(gather['Total Cost']) };
      }
      const limitAt = outer.findIndex((x) => !/^(Sort|Incremental Sort|Result|Gather|Gather Merge)$/.test(String(x['Node Type'])));
      const limit = limitAt >= 0 ? outer[limitAt] : undefined;
      if (limit?.['Node Type'] === 'Limit') {
        s.limit = { rows: Number(limit['Plan Rows']), startupCost: Number(limit['Startup Cost']), totalCost: Number(limit['Total Cost']) };
      }
      out.push(s);
    }
    for (const child of (n.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child, [...above, n]);
  };
  walk(plan, []);
  return out;
}

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
