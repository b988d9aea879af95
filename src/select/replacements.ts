// 'Drop X and add Y': an existing index X that a chosen index Y makes unnecessary (X's keys lead
// Y's, and Y is wider or partial) is proposed for replacement only when the planner proves it:
// every statement that reads the table is costed with the chosen set in place and X hidden from
// the planner (hypopg 1.4's hypopg_hide_index, through the Costing interface), and none may be
// more than 10 % dearer than with X still there (the regression rule of ./credit.ts). Otherwise X
// stays, and the recommendation says why. Where hypopg cannot hide, nothing is proposed.
import { quoteQualified } from '../db/quote.js';
import { formatCost, oneLine } from '../format.js';
import type {
  CatalogIndex,
  CatalogTable,
  ChosenIndex,
  HiddenCost,
  HidingCheck,
  IndexCandidate,
  ParsedStatement,
  Replacement,
} from '../types.js';
import type { Costing } from './costing.js';

/** A statement more than this share dearer is a regression (as in ./credit.ts and ./strikeOut.ts). */
export const REGRESSION_SHARE = 0.1;

/** The statements more than 10 % dearer with the index hidden, and how many were costed. */
export function slowerWhenHidden(
  ids: readonly string[],
  withIndex: ReadonlyMap<string, { ok: true; cost: number } | { ok: false; error: string }>,
  hidden: ReadonlyMap<string, { ok: true; cost: number } | { ok: false; error: string }>,
  queryOf: (id: string) => string,
  against: string,
): HidingCheck {
  const slower: HiddenCost[] = [];
  let costed = 0;
  for (const id of ids) {
    const w = withIndex.get(id);
    const h = hidden.get(id);
    if (!w?.ok) continue;
    costed++;
    // Not plannable without the index: not proven harmless, so it counts as slower (cost Infinity, null in JSON).
    const after = h?.ok ? h.cost : Number.POSITIVE_INFINITY;
    if (after > w.cost * (1 + REGRESSION_SHARE) && after - w.cost > 1e-6) {
      slower.push({ statementId: id, query: queryOf(id), costWith: w.cost, costHidden: after });
    }
  }
  return { statementsCosted: costed, slower, against };
}

/** Each statement costed with `config` (besides today's indexes), then again with the `hide` indexes hidden. */
export async function checkHiding(
  costing: Costing,
  stmts: ParsedStatement[],
  config: IndexCandidate[],
  hide: readonly number[],
  queryOf: (id: string) => string,
  against: string,
): Promise<HidingCheck> {
  const withIndex = await costing.costs(stmts, config);
  const hidden = await costing.costs(stmts, config, { hidden: hide });
  return slowerWhenHidden(
    stmts.map((s) => s.id),
    withIndex,
    hidden,
    queryOf,
    against,
  );
}

/**
 * Could Y stand in for X? Both b-trees on the same table; X a plain, droppable index (no
 * constraint, not unique, not the replica identity, not partial, ascending plain columns with
 * default operator classes); X's keys the leading keys of Y in the same order and direction, X's
 * INCLUDE columns among Y's; Y wider (more keys or INCLUDE columns) or partial.
 */
export function mayReplace(x: CatalogIndex, y: IndexCandidate): boolean {
  if (x.method !== 'btree' || y.method !== 'btree' || y.partitions?.length) return false;
  if (x.relkind !== 'i' || x.isPartition || !x.valid || !x.ready || !x.live || x.building) return false;
  if (x.unique || x.primary || x.exclusion || x.replicaIdentity || x.constraints.length || x.predicate) return false;
  if (x.opclasses.some((o) => o !== null)) return false;
  if (x.positions.slice(0, x.keys.length).some((p) => (p.option ?? 0) !== 0)) return false;
  if (x.keys.length > y.columns.length) return false;
  const lead = x.keys.every((k, i) => {
    const c = y.columns[i]!;
    return k.column !== undefined && c.column === k.column && !c.descending && c.nullsFirst === undefined && !c.opclass;
  });
  if (!lead) return false;
  const yColumns = new Set([...y.columns.map((c) => c.column), ...y.include]);
  if (!x.include.every((c) => yColumns.has(c))) return false;
  return y.columns.length > x.keys.length || y.include.length > x.include.length || y.where !== undefined;
}

export interface Replacements {
  /** Candidate key → the existing index it replaces. */
  replaces: Map<string, Replacement>;
  /** Candidate key → why an existing index it could replace stays. */
  kept: Map<string, string[]>;
}

/**
 * For each chosen hypopg-verified b-tree (most beneficial first), the existing indexes it could
 * replace, each proven by hiding. An existing index is replaced at most once.
 */
export async function findReplacements(
  input: {
    statements: ParsedStatement[];
    chosen: ChosenIndex[];
    tables: CatalogTable[];
    tablesOf: ReadonlyMap<string, ReadonlySet<string>>;
    queryOf: (id: string) => string;
  },
  costing: Costing,
): Promise<Replacements> {
  const out: Replacements = { replaces: new Map(), kept: new Map() };
  if (!costing.canHide) return out;
  const config = input.chosen.map((c) => c.candidate);
  const taken = new Set<number>();
  const order = [...input.chosen].filter((c) => c.verification.kind === 'hypopg').sort((a, b) => b.benefit - a.benefit);
  for (const ch of order) {
    const y = ch.candidate;
    const table = input.tables.find((t) => t.schema === y.schema && t.name === y.table);
    if (!table) continue;
    for (const x of table.indexes) {
      if (taken.has(x.oid) || !mayReplace(x, y)) continue;
      const stmts = input.statements.filter((s) => input.tablesOf.get(s.id)?.has(`${table.schema}.${table.name}`));
      const check = await checkHiding(costing, stmts, config, [x.oid], input.queryOf, 'the recommended indexes');
      const name = quoteQualified(x.schema, x.name);
      if (check.slower.length === 0) {
        taken.add(x.oid);
        out.replaces.set(y.key, { schema: x.schema, index: x.name, definition: x.definition, bytes: x.bytes, check });
        break;
      }
      const shown = check.slower
        .slice(0, 3)
        .map(
          (s) =>
            `\`${oneLine(s.query, 80)}\` (${formatCost(s.costWith)} → ${Number.isFinite(s.costHidden) ? formatCost(s.costHidden) : 'not plannable'})`,
        );
      out.kept.set(y.key, [
        ...(out.kept.get(y.key) ?? []),
        `the existing ${name} stays although this index leads with its columns: with it hidden, ${check.slower.length} of ` +
          `${check.statementsCosted} statement(s) would be more than 10 % dearer: ${shown.join('; ')}${check.slower.length > 3 ? '; …' : ''}`,
      ]);
    }
  }
  return out;
}
