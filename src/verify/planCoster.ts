// Asks the planner what a statement costs on one connection, with whatever indexes (real or
// hypothetical) that connection sees. Statements with `$n` are costed by their generic plan (the
// plan PostgreSQL uses without parameter values), or by a custom plan for given values.
import type pg from 'pg';
import { ADVISOR_MARKER } from '../db/connect.js';
import { describeDbError, errorScope, sqlstateOf } from '../db/errors.js';
import { type ParamSite, paramSiteAt } from '../parse/paramSites.js';
import type { CostOutcome, ScanEstimate } from '../types.js';
import { plainRunner, type StatementRunner } from './quietExplain.js';

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
  /** Parameter types learned from the server's errors (see `retypings`), per statement. */
  private readonly learnedTypes = new Map<string, string[]>();
  /** Signatures read from pg_proc / pg_operator, per function or operator name. */
  private readonly signatures = new Map<string, Promise<Signature[]>>();

  constructor(
    private client: pg.Client,
    readonly serverVersion: number,
    /** How the EXPLAIN batches go to the server (./quietExplain.ts: through one DO block, or as they are). */
    private runner: StatementRunner = plainRunner(client),
  ) {}

  /** Goes on over a new connection (the old one was lost): what was learned stays, the session's settings do not. */
  useClient(client: pg.Client, runner: StatementRunner = plainRunner(client)): void {
    this.client = client;
    this.runner = runner;
    this.forgetSettings();
  }

  /**
   * Planner total cost of the statement. Without `values`, its generic plan; with them (SQL
   * literals, one per parameter), the custom plan for those values.
   *
   * A parameter whose type the parse stage guessed wrong is declared again and the statement
   * retried (errors told apart by SQLSTATE): 42P18, a parameter nothing gives a type
   * (`jsonb_build_object($1, …)`), is declared text; 42883 or 42725, no function or operator (or
   * more than one) takes the declared types (`make_interval(hours => $1)` declared numeric), gets
   * the types that the signatures of the function or operator at the error's position take
   * (pg_proc, pg_operator), one signature after the other.
   */
  async cost(stmt: CostRequest, values?: string[]): Promise<CostOutcome> {
    if (!stmt.explainText) return { ok: false, error: stmt.error ?? 'no explainable text' };
    const tried = new Set([this.typesOf(stmt).join(',')]);
    const learned = this.learnedTypes.get(stmt.id);
    let first: string | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        const plan = await this.explain(stmt, values);
        return { ok: true, cost: plan['Total Cost'] as number, indexesUsed: indexNames(plan), scans: scans(plan) };
      } catch (err) {
        // A lost connection is not this statement's failure: the session reconnects and retries (db/errors.ts).
        if (errorScope(err, this.client) === 'connection') throw err;
        const msg = describeDbError(err);
        first ??= msg;
        // One try per parameter nothing types, and a dozen signatures.
        const next =
          attempt < stmt.paramCount + MAX_RETYPINGS
            ? (await this.retypingsOrNone(stmt, err as PlanError)).find((t) => !tried.has(t.join(',')))
            : undefined;
        if (!next) {
          // Nothing worked: the statement keeps the types it had.
          if (learned) this.learnedTypes.set(stmt.id, learned);
          else this.learnedTypes.delete(stmt.id);
          return { ok: false, error: attempt === 0 ? msg : `${first} (and with ${attempt} other sets of parameter types: ${msg})` };
        }
        tried.add(next.join(','));
        this.learnedTypes.set(stmt.id, next);
      }
    }
  }

  /** The retypings, or none when the catalog could not be read for them (a timeout): the statement keeps its first error. */
  private async retypingsOrNone(stmt: CostRequest, err: PlanError): Promise<string[][]> {
    try {
      return await this.retypings(stmt, err);
    } catch (lookup) {
      if (errorScope(lookup, this.client) === 'connection') throw lookup;
      return [];
    }
  }

  /** Parameter types to try after `err`, best first; none when the error is not about them. */
  private async retypings(stmt: CostRequest, err: PlanError): Promise<string[][]> {
    const types = this.typesOf(stmt);
    if (err.code === UNTYPED_PARAMETER) {
      // No position comes with it; the message names the parameter as `$n` in every language.
      const n = Number(/\$(\d+)/.exec(err.message)?.[1] ?? types.indexOf('unknown') + 1);
      if (!(n >= 1 && n <= types.length) || types[n - 1] === 'text') return [];
      // jsonb_build_object($1, ...) and the like give a parameter no type: text is what the
      // normalized constant most often was.
      return [types.map((t, i) => (i === n - 1 ? 'text' : t))];
    }
    if (err.code !== UNDEFINED_FUNCTION && err.code !== AMBIGUOUS_FUNCTION) return [];
    const position = Number(err.position);
    if (!(position > 0) || err.textOffset === undefined || err.textOffset < 0) return [];
    const site = paramSiteAt(stmt.explainText!, position - 1 - err.textOffset);
    if (!site) return [];
    const out: string[][] = [];
    for (const sig of await this.signaturesOf(site)) {
      const next = [...types];
      let changed = false;
      site.args.forEach((arg, i) => {
        const at = arg.name !== undefined ? sig.names.indexOf(arg.name) : i;
        const type = sig.types[at];
        if (!type) return;
        for (const p of arg.params) {
          if (p < 1 || p > next.length || next[p - 1] === type) continue;
          next[p - 1] = type;
          changed = true;
        }
      });
      if (changed && !out.some((o) => o.join(',') === next.join(','))) out.push(next);
    }
    return out;
  }

  /**
   * The signatures a call of the site could mean, for as many arguments as it has: for a function,
   * the input types by position and their names; for an operator, [left, right] (or [right]).
   * Pseudo-types (anyelement, "any") are left out: they say nothing to declare.
   */
  private signaturesOf(site: ParamSite): Promise<Signature[]> {
    const key = `${site.kind}\u0000${site.schema ?? ''}\u0000${site.name}\u0000${site.args.length}`;
    let found = this.signatures.get(key);
    if (!found) {
      found = site.kind === 'function' ? this.functionSignatures(site) : this.operatorSignatures(site);
      this.signatures.set(key, found);
      // A failed read (a lost connection) is asked again next time, not remembered.
      found.catch(() => this.signatures.delete(key));
    }
    return found;
  }

  private async functionSignatures(site: ParamSite): Promise<Signature[]> {
    const r = await this.client.query<{ types: Array<string | null>; names: string[] | null; defaults: number }>(
      `${ADVISOR_MARKER}
      SELECT array(SELECT CASE WHEN t.typtype = 'p' THEN NULL ELSE format_type(a.oid, NULL) END
                     FROM unnest(p.proargtypes) WITH ORDINALITY AS a(oid, n) JOIN pg_type t ON t.oid = a.oid ORDER BY a.n) AS types,
             CASE WHEN p.proargmodes IS NULL THEN p.proargnames
                  ELSE array(SELECT m.name FROM unnest(p.proargnames, p.proargmodes) WITH ORDINALITY AS m(name, mode, n)
                              WHERE m.mode IN ('i', 'b', 'v') ORDER BY m.n) END AS names,
             p.pronargdefaults::int AS defaults
        FROM pg_proc p JOIN pg_namespace s ON s.oid = p.pronamespace
       WHERE p.proname = $1 AND p.prokind IN ('f', 'a', 'w') AND p.provariadic = 0
         AND CASE WHEN $2::text IS NULL THEN pg_function_is_visible(p.oid) ELSE s.nspname = $2 END
       ORDER BY p.oid`,
      [site.name, site.schema ?? null],
    );
    const n = site.args.length;
    return r.rows
      .filter((row) => row.types.length >= n && row.types.length - row.defaults <= n)
      .filter((row) => site.args.every((a) => a.name === undefined || (row.names ?? []).includes(a.name)))
      .map((row) => ({ types: row.types.map((t) => t ?? undefined), names: row.names ?? [] }));
  }

  private async operatorSignatures(site: ParamSite): Promise<Signature[]> {
    // Operators on a preferred type first (float8, text, timestamptz: what the server itself falls
    // back to), then those between two values of one type (int4 = int4 before int4 = int8).
    const r = await this.client.query<{ l: string | null; r: string }>(
      `${ADVISOR_MARKER}
      SELECT CASE WHEN o.oprleft = 0 THEN NULL ELSE format_type(o.oprleft, NULL) END AS l, format_type(o.oprright, NULL) AS r
        FROM pg_operator o JOIN pg_namespace s ON s.oid = o.oprnamespace
        LEFT JOIN pg_type tl ON tl.oid = o.oprleft JOIN pg_type tr ON tr.oid = o.oprright
       WHERE o.oprname = $1 AND o.oprkind = $2 AND coalesce(tl.typtype, 'b') <> 'p' AND tr.typtype <> 'p'
         AND CASE WHEN $3::text IS NULL THEN pg_operator_is_visible(o.oid) ELSE s.nspname = $3 END
       ORDER BY coalesce(tl.typispreferred, false) OR tr.typispreferred DESC, o.oprleft = o.oprright DESC, o.oid`,
      [site.name, site.args.length === 2 ? 'b' : 'l', site.schema ?? null],
    );
    return r.rows.map((row) => ({ types: site.args.length === 2 ? [row.l ?? undefined, row.r] : [row.r], names: [] }));
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
      results = await this.runner.run(sql);
      this.explainCalls += plannable.length;
      this.planCacheMode = mode;
    } catch (err) {
      if (errorScope(err, this.client) === 'connection') throw err;
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
    // One round trip, without bind values for the statement itself (GENERIC_PLAN takes no bind
    // message; PREPARE, EXPLAIN EXECUTE and DEALLOCATE go together): see ./quietExplain.ts.
    const sent = q.sql.join('; ');
    try {
      return planOf((await this.runner.run(q.sql))[q.planAt]!);
    } catch (err) {
      if (q.generic && sqlstateOf(err) === SYNTAX_ERROR && errorScope(err, this.client) === 'statement') {
        // A server that reports 16+ but lacks the option (a fork) rejects it as a syntax error
        // (42601); so would a statement the server cannot parse. PREPARE tells them apart: where
        // it plans what GENERIC_PLAN could not, the option is missing, and PREPARE it is from now on.
        this.genericPlanOption = false;
        this.explainCalls--;
        try {
          return await this.explain(stmt, values);
        } catch (again) {
          if (sqlstateOf(again) === SYNTAX_ERROR) this.genericPlanOption = true;
          throw again;
        }
      }
      // The query stopped at the error: make sure the name is free for the next statement.
      if (q.sql.length > 1) await this.client.query(`DEALLOCATE ${PREPARED}`).catch(() => {});
      // The error's position counts from the start of what was sent.
      throw Object.assign(err as PlanError, { textOffset: sent.indexOf(stmt.explainText!) });
    }
  }
}

const SYNTAX_ERROR = '42601';
/** SQLSTATEs of the errors a wrong parameter type causes. */
const UNTYPED_PARAMETER = '42P18'; // indeterminate_datatype: "could not determine data type of parameter $n"
const UNDEFINED_FUNCTION = '42883'; // "function … does not exist", "operator does not exist: …"
const AMBIGUOUS_FUNCTION = '42725'; // "function … is not unique", "operator is not unique: unknown + unknown"
/** Signatures tried per statement (beyond one try per parameter) before giving up. */
const MAX_RETYPINGS = 12;

/** A server error (pg's DatabaseError fields), with where the statement's text began in what was sent. */
type PlanError = Error & { code?: string; position?: string; textOffset?: number };

/** Input types of a function or operator by position (undefined: a pseudo-type), and a function's argument names. */
interface Signature {
  types: Array<string | undefined>;
  names: string[];
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
      if (n['Node Type'] === 'Bitmap Heap Scan') s.bitmapIndexes = bitmapIndexNames(n);
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

function bitmapIndexNames(n: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const child of (n.Plans as Record<string, unknown>[] | undefined) ?? []) {
    if (typeof child['Index Name'] === 'string') out.push(child['Index Name']);
    out.push(...bitmapIndexNames(child));
  }
  return out;
}

export function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}

/** Indexes the session made (hypothetical, or built to be measured) named by their candidate key, in the indexes used and in each scan. */
export function byCandidateKey(r: Extract<CostOutcome, { ok: true }>, key: (name: string) => string): CostOutcome {
  return {
    ...r,
    indexesUsed: r.indexesUsed.map(key),
    scans: r.scans.map((sc) => ({
      ...sc,
      ...(sc.index !== undefined ? { index: key(sc.index) } : {}),
      ...(sc.bitmapIndexes ? { bitmapIndexes: sc.bitmapIndexes.map(key) } : {}),
    })),
  };
}
