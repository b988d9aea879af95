// Proposes candidate indexes from what the statements do with each table. Generation is generous
// on purpose: verification with the planner decides; here we only avoid what cannot help (what an
// existing index already serves, columns the table does not have, partial predicates that keep
// most of the table).
import { findTable } from '../catalog/find.js';
import type { Catalog, CatalogTable, IndexCandidate, ParsedStatement, TableAccess } from '../types.js';
import { btreeProposals, type Proposal } from './btree.js';
import { candidateKey, existingIndexCovers } from './indexDefinition.js';
import { specialProposals } from './special.js';

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
  /** Things the generator could not propose and why (a missing extension...). */
  notes: string[];
}

export function generateCandidates(statements: ParsedStatement[], catalog: Catalog, opts: CandidateOptions = {}): CandidateSet {
  const maxColumns = opts.maxColumns ?? 3;
  const byKey = new Map<string, IndexCandidate>();
  const alreadyCovered = new Map<string, string>();
  const unknownTables = new Set<string>();
  const notes = new Set<string>();

  for (const stmt of statements) {
    if (stmt.error) continue;
    for (const access of stmt.tables) {
      const table = findTable(catalog, access.schema, access.table);
      if (!table) {
        unknownTables.add(access.schema ? `${access.schema}.${access.table}` : access.table);
        continue;
      }
      for (const p of proposalsFor(access, table, catalog, maxColumns, notes)) {
        const base: Omit<IndexCandidate, 'key' | 'statementIds' | 'reasons'> = {
          schema: table.schema,
          table: table.name,
          method: p.method,
          columns: p.columns,
          include: p.include,
          ...(p.where ? { where: p.where } : {}),
          ...(table.partitions ? { partitions: table.partitions } : {}),
        };
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
    notes: [...notes],
  };
}

function proposalsFor(access: TableAccess, table: CatalogTable, catalog: Catalog, maxColumns: number, notes: Set<string>): Proposal[] {
  return [...btreeProposals(access, table, maxColumns), ...specialProposals(access, table, catalog, notes)];
}
