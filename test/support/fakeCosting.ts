// A deterministic stand-in for the planner, for selection's unit tests: each statement has a cost
// with no index and a list of plans, each available once the indexes it needs are all in the
// configuration; the cheapest available plan wins and names the indexes it uses.
import type { Costing } from '../../src/select/costing.js';
import type { CostOutcome, IndexCandidate, ParsedStatement, TableAccess, WorkloadStatement } from '../../src/types.js';
import { workloadStatement } from './fixtures.js';

export interface PlanOption {
  /** Candidate keys that must all be in the configuration. */
  needs: string[];
  cost: number;
  /** Rows the plan reads through its first index (else the plan shows no scan). */
  rows?: number;
  /** Taken whenever its indexes are there, even when dearer (a planner's quirk: a regression). */
  forced?: boolean;
}

export interface FakeStatement {
  id: string;
  calls: number;
  table?: string;
  /** Columns the statement filters on (each candidate's leading column must be among them to serve it). */
  columns: string[];
  base: number;
  plans: PlanOption[];
  /** The server cannot plan it. */
  error?: string;
  /** The server cannot plan it while this index is in place (a timeout, say). */
  failsWith?: { index: string; error: string };
}

export class FakeCosting implements Costing {
  readonly connections = 2;
  readonly sizes = new Map<string, number>();
  readonly rejected = new Map<string, string>();
  /** Every costing request, as `statement id: sorted config keys`. */
  readonly requests: string[] = [];

  constructor(
    private readonly statements: FakeStatement[],
    private readonly bytes: Record<string, number>,
  ) {}

  async estimateSizes(candidates: IndexCandidate[]): Promise<void> {
    for (const c of candidates) {
      const b = this.bytes[c.key];
      if (b === undefined) this.rejected.set(c.key, 'no size in the model');
      else this.sizes.set(c.key, b);
    }
  }

  async costs(statements: ParsedStatement[], config: IndexCandidate[]): Promise<Map<string, CostOutcome>> {
    const have = new Set(config.filter((c) => !this.rejected.has(c.key)).map((c) => c.key));
    const out = new Map<string, CostOutcome>();
    for (const s of statements) {
      const m = this.statements.find((x) => x.id === s.id)!;
      this.requests.push(`${s.id}: ${[...have].sort().join(',')}`);
      if (m.error) {
        out.set(s.id, { ok: false, error: m.error });
        continue;
      }
      if (m.failsWith && have.has(m.failsWith.index)) {
        out.set(s.id, { ok: false, error: m.failsWith.error });
        continue;
      }
      let best: CostOutcome = { ok: true, cost: m.base, indexesUsed: [], scans: [{ relation: m.table ?? 't', node: 'Seq Scan', rows: 1 }] };
      const outcome = (p: PlanOption): CostOutcome => ({
        ok: true,
        cost: p.cost,
        indexesUsed: [...p.needs],
        scans: p.rows === undefined ? [] : [{ relation: m.table ?? 't', node: 'Index Scan', rows: p.rows, index: p.needs[0]! }],
      });
      for (const p of m.plans) {
        if (p.cost < (best.ok ? best.cost : Infinity) && p.needs.every((k) => have.has(k))) best = outcome(p);
      }
      const forced = m.plans.find((p) => p.forced && p.needs.every((k) => have.has(k)));
      if (forced) best = outcome(forced);
      out.set(s.id, best);
    }
    return out;
  }
}

export { candidate } from './fixtures.js';

/** The parsed statements, workload entries and tables read that selectIndexes needs for the model. */
export function workloadOf(statements: FakeStatement[]) {
  const parsed: ParsedStatement[] = statements.map((s) => {
    const access: TableAccess = {
      schema: 'public',
      table: s.table ?? 't',
      alias: s.table ?? 't',
      predicates: s.columns.map((c) => ({ key: { column: c }, kind: 'eq', operator: '=', text: `${c} = $1`, params: [1] })),
      joinColumns: [],
      orderBy: [],
      groupBy: [],
      hasLimit: false,
      columnsRead: [...s.columns],
    };
    return { id: s.id, kind: 'select', explainText: `SELECT ${s.id}`, paramCount: 1, tables: [access] };
  });
  const workload: WorkloadStatement[] = statements.map((s) =>
    workloadStatement(s.id, `SELECT ${s.id}`, s.calls, { source: 'workload-file' }),
  );
  const tablesOf = new Map(statements.map((s) => [s.id, new Set([`public.${s.table ?? 't'}`])]));
  return { parsed, workload, tablesOf };
}
