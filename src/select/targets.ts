// Which statements a candidate is costed on. Costing every candidate on every statement would make
// each round as expensive as the workload is large; these keep the calls per statement bounded.
import { columnSql } from '../candidates/indexDefinition.js';
import { tableOf } from '../candidates/tableOf.js';
import { mentionedColumns } from '../candidates/usable.js';
import type { IndexCandidate, ParsedStatement } from '../types.js';
import type { Screening } from './screening.js';

export interface Targets {
  /**
   * The statements the index can serve: those that mention its leading column (a condition, a
   * join, an ordering), or, when it covers (INCLUDE), one of the columns it carries (an index-only
   * scan). Pruning's and the credit's figures count all of them.
   */
  servedBy(c: IndexCandidate): ParsedStatement[];
  /**
   * The statements a round costs it on: of those it can serve, the ones whose screening plans used
   * an index with the same leading key (three passes, so runners-up count): the planner has shown
   * it would not lead any other statement's plan with that key.
   */
  costedOn(c: IndexCandidate): ParsedStatement[];
}

export function makeTargets(
  stmts: ParsedStatement[],
  candidates: IndexCandidate[],
  tablesOf: ReadonlyMap<string, ReadonlySet<string>>,
  screening: Screening,
): Targets {
  const onTable = new Map<string, ParsedStatement[]>();
  const stmtsOnTable = (t: string) => {
    let list = onTable.get(t);
    if (!list) {
      list = stmts.filter((s) => tablesOf.get(s.id)?.has(t) ?? false);
      onTable.set(t, list);
    }
    return list;
  };
  const served = new Map<string, ParsedStatement[]>();
  const servedBy = (c: IndexCandidate): ParsedStatement[] => {
    let list = served.get(c.key);
    if (!list) {
      const columns = [c.columns[0]?.column, ...c.include];
      const plain = columns.filter((x): x is string => x !== undefined);
      list = stmtsOnTable(tableOf(c)).filter(
        (s) =>
          // An expression key: any statement on the table may match it.
          plain.length < columns.length ||
          s.tables.some(
            (t) => t.table === c.table && (!t.schema || t.schema === c.schema) && plain.some((col) => mentionedColumns(t).columns.has(col)),
          ),
      );
      served.set(c.key, list);
    }
    return list;
  };

  const byKey = new Map(candidates.map((c) => [c.key, c]));
  const leadOf = (c: IndexCandidate) => `${tableOf(c)}\u0000${c.columns[0] ? columnSql(c.columns[0]) : ''}`;
  const leadsUsed = new Map<string, Set<string>>();
  for (const [id, keys] of screening.usedBy) {
    const leads = new Set<string>();
    for (const k of keys) {
      const c = byKey.get(k);
      if (c) leads.add(leadOf(c));
    }
    leadsUsed.set(id, leads);
  }
  const costed = new Map<string, ParsedStatement[]>();
  const costedOn = (c: IndexCandidate): ParsedStatement[] => {
    let list = costed.get(c.key);
    if (!list) {
      const lead = leadOf(c);
      list = servedBy(c).filter((st) => leadsUsed.get(st.id)?.has(lead));
      costed.set(c.key, list);
    }
    return list;
  };
  return { servedBy, costedOn };
}
