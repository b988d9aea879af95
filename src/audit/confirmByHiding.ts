// The audit's drops proven like the advice's additions: an index found unused, duplicate or
// redundant is hidden from the planner (hypopg 1.4's hypopg_hide_index, through the Costing
// interface) and every statement of the workload that reads its table is costed again, against
// today's indexes. The finding then lists the statements more than 10 % dearer without the index
// (the regression rule): none confirms the drop; any turns the drop into `review` (its SQL as
// comments), since the scan counters and the planner disagree and only a person can tell which
// is right. Each index is hidden on its own, then the confirmed drops of one table together (in the
// audit's order), so that two indexes that stand in for each other are not both dropped. Pure but
// for the Costing it is given: the nightly report (src/nightly.ts) runs it after the audit, with the
// statements the advice costed.
import type { Costing } from '../select/costing.js';
import { checkHiding } from '../select/replacements.js';
import type { AuditFinding, Catalog, ParsedStatement } from '../types.js';

/** The findings whose drop hiding can prove: an index that only the scan counters or its twin say is not needed. */
const CONFIRMED_KINDS = new Set<AuditFinding['kind']>(['unused', 'duplicate', 'redundant']);

export function needsConfirmation(f: AuditFinding): boolean {
  return CONFIRMED_KINDS.has(f.kind) && f.action === 'drop' && f.index !== undefined;
}

export async function confirmByHiding(
  findings: AuditFinding[],
  input: {
    catalog: Catalog;
    statements: ParsedStatement[];
    tablesOf: ReadonlyMap<string, ReadonlySet<string>>;
    queryOf: (id: string) => string;
  },
  costing: Costing,
): Promise<AuditFinding[]> {
  if (!costing.canHide) return findings;
  const out: AuditFinding[] = [];
  const onTable = (f: AuditFinding) => input.statements.filter((s) => input.tablesOf.get(s.id)?.has(`${f.schema}.${f.table}`));
  /** Per table, the oids of the drops confirmed so far, and where their findings are in `out`. */
  const confirmed = new Map<string, Array<{ oid: number; at: number }>>();
  for (const f of findings) {
    const ix = needsConfirmation(f)
      ? input.catalog.tables.find((t) => t.schema === f.schema && t.name === f.table)?.indexes.find((i) => i.name === f.index)
      : undefined;
    // A partitioned index has no plan of its own to hide (its partitions' indexes are what plans use).
    if (ix?.relkind !== 'i') {
      out.push(f);
      continue;
    }
    const check = await checkHiding(costing, onTable(f), [], [ix.oid], input.queryOf, "today's indexes");
    if (check.slower.length === 0) {
      const key = `${f.schema}.${f.table}`;
      confirmed.set(key, [...(confirmed.get(key) ?? []), { oid: ix.oid, at: out.length }]);
    }
    out.push({ ...(check.slower.length ? toReview(f, check.slower.length) : f), confirmedByHiding: check });
  }
  for (const drops of confirmed.values()) {
    const dropped = [drops[0]!];
    for (const d of drops.slice(1)) {
      const f = out[d.at]!;
      const names = dropped.map((x) => out[x.at]!.index!);
      const hide = [...dropped.map((x) => x.oid), d.oid];
      const check = await checkHiding(costing, onTable(f), [], hide, input.queryOf, `today's indexes without ${names.join(', ')}`);
      if (check.slower.length === 0) dropped.push(d);
      else out[d.at] = { ...toReview(f, check.slower.length, names), confirmedByHiding: check };
    }
  }
  return out;
}

/** The planner disagrees with the finding: report only, the migration's statements as comments. */
function toReview(f: AuditFinding, slower: number, alsoDropped: string[] = []): AuditFinding {
  const comment = (sql: string) => (sql.startsWith('--') ? sql : `-- ${sql}`);
  // Nothing runs, so nothing is given back.
  const { reclaimableBytes: _, ...rest } = f;
  return {
    ...rest,
    action: 'review',
    summary:
      `${f.summary} Not dropped: with it hidden from the planner${alsoDropped.length ? ` as well as ${alsoDropped.join(', ')} (dropped by this audit)` : ''}, ${slower} statement(s) of the workload would be more than 10 % ` +
      'dearer (listed below); check them before dropping it by hand.',
    upSql: f.upSql.map(comment),
    downSql: f.downSql.map(comment),
  };
}
