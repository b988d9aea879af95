// Proposes candidate indexes from what the statements do with each table. Generation is generous
// on purpose: verification with the planner decides; here we only avoid what cannot help (what an
// existing index already serves, columns the table does not have).
import { findTable } from '../catalog/readCatalog.js';
import { quoteIdent } from '../db/quote.js';
import type { Catalog, CatalogTable, IndexCandidate, IndexColumn, ParsedStatement, SortKey, TableAccess } from '../types.js';
import { candidateKey, existingIndexCovers } from './indexDefinition.js';

export interface CandidateOptions {
  /** Widest multicolumn index to propose. */
  maxColumns?: number;
}

export interface CandidateSet {
  candidates: IndexCandidate[];
  /** Candidates left out because an existing index already serves them (key → index name). */
  alreadyCovered: Array<{ key: string; index: string }>;
  /** Tables named by statements that are not in the catalog (views, other databases, typos). */
  unknownTables: string[];
}

type Proposal = Omit<IndexCandidate, 'key' | 'statementIds' | 'reasons'> & { reason: string };

export function generateCandidates(statements: ParsedStatement[], catalog: Catalog, opts: CandidateOptions = {}): CandidateSet {
  const maxColumns = opts.maxColumns ?? 3;
  const byKey = new Map<string, IndexCandidate>();
  const alreadyCovered = new Map<string, string>();
  const unknownTables = new Set<string>();

  for (const stmt of statements) {
    if (stmt.error) continue;
    for (const access of stmt.tables) {
      const table = findTable(catalog, access.schema, access.table);
      if (!table) {
        unknownTables.add(access.schema ? `${access.schema}.${access.table}` : access.table);
        continue;
      }
      for (const p of btreeProposals(access, table, maxColumns)) {
        const base = { schema: table.schema, table: table.name, method: p.method, columns: p.columns, include: p.include, ...(p.where ? { where: p.where } : {}) };
        const key = candidateKey(base);
        const covering = table.indexes.find((ix) => existingIndexCovers(ix, { ...base, key, statementIds: [], reasons: [] }));
        if (covering) {
          alreadyCovered.set(key, covering.name);
          continue;
        }
        const existing = byKey.get(key);
        if (existing) {
          if (!existing.statementIds.includes(stmt.id)) existing.statementIds.push(stmt.id);
          if (!existing.reasons.includes(p.reason)) existing.reasons.push(p.reason);
        } else {
          byKey.set(key, { ...base, key, statementIds: [stmt.id], reasons: [p.reason] });
        }
      }
    }
  }
  return {
    candidates: [...byKey.values()],
    alreadyCovered: [...alreadyCovered].map(([key, index]) => ({ key, index })),
    unknownTables: [...unknownTables],
  };
}

/**
 * B-tree shapes for one table access, following how the planner uses a b-tree: equality columns
 * first (any order serves the query; the most selective first serves more queries), then one range
 * column or the ORDER BY columns, which the index can return in order.
 */
export function btreeProposals(access: TableAccess, table: CatalogTable, maxColumns: number): Proposal[] {
  const has = (c: string) => table.columns.some((x) => x.name === c);
  const eqKinds = new Set(['eq', 'in', 'isnull']);
  const eq: string[] = [];
  const range: string[] = [];
  for (const p of access.predicates) {
    const col = p.key.column;
    if (!col || !has(col)) continue;
    if (eqKinds.has(p.kind) && !eq.includes(col)) eq.push(col);
    else if (p.kind === 'range' && !range.includes(col)) range.push(col);
  }
  const joins = access.joinColumns.filter((c) => has(c) && !eq.includes(c));
  const sort = access.orderBy.every((k) => k.key.column && has(k.key.column)) ? access.orderBy : [];

  const byDistinct = (a: string, b: string) => distinctness(table, b) - distinctness(table, a);
  const eqSorted = [...eq].sort(byDistinct);
  const out: Proposal[] = [];
  const add = (columns: IndexColumn[], reason: string) => {
    if (columns.length === 0 || columns.length > maxColumns) return;
    if (new Set(columns.map((c) => c.column)).size !== columns.length) return;
    out.push({ schema: table.schema, table: table.name, method: 'btree', columns, include: [], reason });
  };
  const plain = (c: string): IndexColumn => ({ sql: quoteIdent(c), column: c });

  for (const c of eqSorted) add([plain(c)], `equality on ${c}`);
  for (const c of range) add([plain(c)], `range on ${c}`);
  for (const c of joins) add([plain(c)], `join key ${c}`);

  const eqPrefix = eqSorted.slice(0, maxColumns);
  for (let n = 2; n <= eqPrefix.length; n++) add(eqPrefix.slice(0, n).map(plain), `equality on ${eqPrefix.slice(0, n).join(', ')}`);
  if (eqPrefix.length > 0) {
    const prefix = eqPrefix.slice(0, maxColumns - 1);
    for (const r of range) add([...prefix.map(plain), plain(r)], `equality on ${prefix.join(', ')} then range on ${r}`);
    // A join key after the filters serves a nested loop that probes with both.
    for (const j of joins) add([...prefix.map(plain), plain(j)], `equality on ${prefix.join(', ')} and join key ${j}`);
  }
  if (sort.length > 0) {
    const sortCols = sortColumns(sort.filter((k) => !eq.includes(k.key.column!)));
    const why = `ORDER BY ${sort.map((k) => k.key.column + (k.descending ? ' DESC' : '')).join(', ')}${access.hasLimit ? ' LIMIT' : ''}`;
    if (sortCols.length > 0) {
      const prefix = eqPrefix.slice(0, Math.max(0, maxColumns - sortCols.length));
      if (prefix.length > 0) add([...prefix.map(plain), ...sortCols], `equality on ${prefix.join(', ')} then ${why}`);
      add(sortCols, why);
    }
  }
  return out;
}

/**
 * Index columns that return rows in the ORDER BY's order. A b-tree can be read backwards, so the
 * keys are flipped to make the first one ascending: `(a DESC, b DESC)` is served by `(a, b)`.
 */
function sortColumns(sort: SortKey[]): IndexColumn[] {
  if (sort.length === 0) return [];
  const flip = sort[0]!.descending;
  return sort.map((k) => {
    const descending = k.descending !== flip;
    const nullsFirst = (k.nullsFirst ?? k.descending) !== flip;
    const col: IndexColumn = { sql: quoteIdent(k.key.column!), column: k.key.column! };
    if (descending) col.descending = true;
    if (nullsFirst !== descending) col.nullsFirst = nullsFirst;
    return col;
  });
}

/** Estimated distinct values (pg_stats n_distinct is negative when it is a fraction of the rows). */
function distinctness(table: CatalogTable, column: string): number {
  const nd = table.columns.find((c) => c.name === column)?.stats?.nDistinct;
  if (nd === undefined) return 0;
  return nd < 0 ? -nd * Math.max(table.rows, 1) : nd;
}
