// B-tree shapes for one table access, following how the planner uses a b-tree: equality keys
// first (any order serves the query; the most selective first serves more queries), then one range
// key or the ORDER BY keys, which the index returns in order. Variants: partial (a selective
// constant condition the statement always has becomes the index's WHERE) and covering (INCLUDE the
// other columns the statement reads, for an index-only scan).
import { quoteIdent } from '../db/quote.js';
import type { CatalogTable, IndexCandidate, IndexColumn, KeyPart, Predicate, SortKey, TableAccess } from '../types.js';
import { predicateFraction, predicateSelectivity } from './selectivity.js';

export type Proposal = Omit<IndexCandidate, 'key' | 'statementIds' | 'reasons'> & {
  reason: string;
  /** Every key matches an equality condition of the statement (=, IN, IS NULL, a boolean): a lookup. */
  equality?: boolean;
};

/** A partial index is proposed when its predicate keeps at most this share of the rows. */
export const PARTIAL_MAX_FRACTION = 0.2;
/** Covering indexes INCLUDE at most this many extra columns. */
const MAX_INCLUDE = 4;

interface Key {
  col: IndexColumn;
  /** Column name or expression text: identity for de-duplication and reasons. */
  name: string;
  /** Fraction of rows its condition keeps (lower first in the index). */
  selectivity: number;
}

export function btreeProposals(access: TableAccess, table: CatalogTable, maxColumns: number): Proposal[] {
  const keyOf = (k: KeyPart, selectivity = 1) => indexKey(k, table, selectivity);
  const partial = partialPredicates(access, table);
  const fixed = new Set(partial.map((p) => p.key.column ?? p.key.expression ?? ''));

  const eq: Key[] = [];
  const range: Key[] = [];
  for (const p of access.predicates) {
    const k = keyOf(p.key, predicateSelectivity(p, table));
    if (!k) continue;
    if (['eq', 'in', 'isnull', 'bool'].includes(p.kind)) pushUnique(eq, k);
    else if (p.kind === 'range') pushUnique(range, k);
  }
  const joins: Key[] = [];
  for (const c of access.joinColumns) {
    const k = keyOf({ column: c });
    if (k && !eq.some((e) => e.name === k.name)) pushUnique(joins, k);
  }
  const sortKeys = access.orderBy.map((s) => ({ s, k: keyOf(s.key) }));
  const sort = sortKeys.every((x) => x.k) ? sortKeys.map((x) => ({ ...x.s, k: x.k! })) : [];
  // The condition that keeps the fewest rows leads: it narrows the scan most, and serves more queries.
  eq.sort((a, b) => a.selectivity - b.selectivity);

  const out: Proposal[] = [];
  const emit = (columns: IndexColumn[], reason: string, where?: string, include: string[] = [], equality = false) => {
    if (columns.length === 0 || columns.length > maxColumns) return;
    if (new Set(columns.map((c) => c.sql)).size !== columns.length) return;
    out.push({
      schema: table.schema,
      table: table.name,
      method: 'btree',
      columns,
      include,
      ...(where ? { where } : {}),
      reason,
      ...(equality ? { equality } : {}),
    });
  };

  const shapes = keyShapes(eq, range, joins, sort, access.hasLimit, maxColumns);
  for (const s of shapes) emit(s.columns, s.reason, undefined, [], s.equality);

  // GROUP BY keys deliver sorted groups (GroupAggregate, no sort, no hash table).
  const group = access.groupBy.map((g) => keyOf(g)).filter((k): k is Key => k !== undefined);
  if (group.length > 0)
    emit(
      group.slice(0, maxColumns).map((k) => k.col),
      `GROUP BY ${names(group.slice(0, maxColumns))}`,
    );

  if (partial.length > 0) {
    const where = partial.map((p) => p.text).join(' AND ');
    const why = `only rows where ${where}`;
    const rest = (keys: Key[]) => keys.filter((k) => !fixed.has(k.name));
    const partialShapes = keyShapes(
      rest(eq),
      rest(range),
      rest(joins),
      sort.filter((s) => !fixed.has(s.k.name)),
      access.hasLimit,
      maxColumns,
    );
    for (const s of partialShapes) emit(s.columns, `${s.reason}, ${why}`, where, [], s.equality);
    if (partialShapes.length === 0) {
      // Nothing else to key on: the condition's own column, so the index holds just those rows.
      const k = keyOf(partial[0]!.key);
      if (k) emit([k.col], why, where);
    }
    shapes.push(...partialShapes.map((s) => ({ ...s, where })));
  }

  // Covering: the statement reads a few more columns than the key; INCLUDE them to skip the heap.
  if (!access.columnsRead.includes('*')) {
    for (const s of shapes.filter((x) => x.primary)) {
      const inKey = new Set(s.columns.map((c) => c.column));
      const include = access.columnsRead.filter(
        (c) => !inKey.has(c) && table.columns.some((x) => x.name === c) && !(s.where && fixed.has(c)),
      );
      if (include.length > 0 && include.length <= MAX_INCLUDE)
        emit(s.columns, `${s.reason}, covering the columns read (index-only scan)`, s.where, include, s.equality);
    }
  }
  return out;
}

const names = (ks: Key[]) => ks.map((k) => k.name).join(', ');

interface Shape {
  columns: IndexColumn[];
  reason: string;
  /** The widest shapes for the statement: the ones worth a covering variant. */
  primary: boolean;
  where?: string;
  /** Every key is an equality key. */
  equality?: boolean;
}

function keyShapes(
  eq: Key[],
  range: Key[],
  joins: Key[],
  sort: Array<SortKey & { k: Key }>,
  hasLimit: boolean,
  maxColumns: number,
): Shape[] {
  const shapes: Shape[] = [];
  const add = (keys: IndexColumn[], reason: string, primary = false, equality = false) => {
    if (keys.length > 0 && keys.length <= maxColumns) shapes.push({ columns: keys, reason, primary, ...(equality ? { equality } : {}) });
  };
  for (const k of eq) add([k.col], `equality on ${k.name}`, eq.length === 1 && range.length === 0 && sort.length === 0, true);
  // Each range alone is worth a covering variant: with several ranges, the index-only scan on the
  // most selective one filters the others from the index (TPC-H Q6).
  for (const k of range) add([k.col], `range on ${k.name}`, eq.length === 0);
  for (const k of joins) add([k.col], `join key ${k.name}`, eq.length === 0 && range.length === 0);
  // Two tables joined on two columns (partsupp ⋈ lineitem on partkey and suppkey): one index on both.
  if (joins.length >= 2)
    add(
      joins.slice(0, maxColumns).map((k) => k.col),
      `join keys ${names(joins.slice(0, maxColumns))}`,
    );
  // A nested loop probing by the join key can also apply a range on the inner side.
  if (eq.length === 0) for (const j of joins) for (const r of range) add([j.col, r.col], `join key ${j.name} then range on ${r.name}`);

  const eqPrefix = eq.slice(0, maxColumns);
  for (let n = 2; n <= eqPrefix.length; n++) {
    add(
      eqPrefix.slice(0, n).map((k) => k.col),
      `equality on ${names(eqPrefix.slice(0, n))}`,
      n === eqPrefix.length && range.length === 0 && sort.length === 0,
      true,
    );
  }
  if (eqPrefix.length > 0) {
    const prefix = eqPrefix.slice(0, maxColumns - 1);
    for (const r of range) add([...prefix.map((k) => k.col), r.col], `equality on ${names(prefix)} then range on ${r.name}`, true);
    // A join key after the filters serves a nested loop that probes with both.
    for (const j of joins) add([...prefix.map((k) => k.col), j.col], `equality on ${names(prefix)} and join key ${j.name}`);
  }
  const sortRest = sort.filter((s) => !eq.some((e) => e.name === s.k.name));
  if (sortRest.length > 0) {
    const cols = sortColumns(sortRest);
    const why = `ORDER BY ${sort
      .map(
        (s) => s.k.name + (s.descending ? ' DESC' : '') + (s.nullsFirst === undefined ? '' : s.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST'),
      )
      .join(', ')}${hasLimit ? ' LIMIT' : ''}`;
    const prefix = eqPrefix.slice(0, Math.max(0, maxColumns - cols.length));
    if (prefix.length > 0) add([...prefix.map((k) => k.col), ...cols], `equality on ${names(prefix)} then ${why}`, true);
    add(cols, why, eqPrefix.length === 0);
  }
  return shapes;
}

/** A literal compared with a column of at most this many values reads as a fixed condition (a state). */
export const PARTIAL_MAX_DISTINCT = 10;
/** A fixed condition that keeps more than this share of the rows is left out of a partial index's WHERE. */
const PARTIAL_MAX_CONDITION_FRACTION = 0.5;

/**
 * The table's selective constant conditions (`deleted_at IS NULL`, `WHERE flagged`,
 * `status IN ('new', 'paid')`), together keeping at most PARTIAL_MAX_FRACTION of the rows: two
 * states that each keep a quarter make one partial index (TPC-H Q19's ship mode and instruction).
 * A literal on a column with many values is a sample lookup (workload files write `sku = 'sku-9'`
 * where the application sends a parameter), not a condition every call carries.
 */
export function partialPredicates(access: TableAccess, table: CatalogTable): Predicate[] {
  const fixed = access.predicates
    .filter((p) => {
      if (!p.key.column || p.orArm) return false;
      if (p.kind === 'eq' || p.kind === 'in') {
        if (p.kind === 'eq' ? p.constant === undefined : !p.constants) return false;
        const nd = table.columns.find((c) => c.name === p.key.column)?.stats?.nDistinct;
        return nd !== undefined && nd >= 0 && nd <= PARTIAL_MAX_DISTINCT;
      }
      return p.kind === 'isnull' || p.kind === 'isnotnull' || p.kind === 'bool';
    })
    .map((p) => ({ p, f: predicateFraction(p, table) }))
    .filter((x): x is { p: Predicate; f: number } => x.f !== undefined && x.f <= PARTIAL_MAX_CONDITION_FRACTION);
  const together = fixed.reduce((a, x) => a * x.f, 1);
  return fixed.length > 0 && together <= PARTIAL_MAX_FRACTION ? fixed.map((x) => x.p) : [];
}

/**
 * Index columns that return rows in the ORDER BY's order. A b-tree can be read backwards, so the
 * keys are flipped to make the first one ascending: `(a DESC, b DESC)` is served by `(a, b)`.
 */
function sortColumns(sort: Array<SortKey & { k: Key }>): IndexColumn[] {
  const flip = sort[0]!.descending;
  return sort.map((s) => {
    const descending = s.descending !== flip;
    const nullsFirst = (s.nullsFirst ?? s.descending) !== flip;
    const col: IndexColumn = { ...s.k.col };
    if (descending) col.descending = true;
    if (nullsFirst !== descending) col.nullsFirst = nullsFirst;
    return col;
  });
}

/** The index column for a key, or undefined when the table lacks a column it needs. */
export function indexKey(k: KeyPart, table: CatalogTable, selectivity = 1): Key | undefined {
  const has = (c: string) => table.columns.some((x) => x.name === c);
  if (k.column) {
    if (!has(k.column)) return undefined;
    return { col: { sql: quoteIdent(k.column), column: k.column }, name: k.column, selectivity };
  }
  if (k.expression && (k.expressionColumns ?? []).every(has)) {
    return { col: { sql: `(${k.expression})` }, name: k.expression, selectivity };
  }
  return undefined;
}

/** Adds the key once; a key seen twice keeps its most selective condition. */
function pushUnique(list: Key[], k: Key): void {
  const have = list.find((x) => x.name === k.name);
  if (!have) list.push(k);
  else have.selectivity = Math.min(have.selectivity, k.selectivity);
}
