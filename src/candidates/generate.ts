// Proposes candidate indexes from what the statements do with each table. Generation is generous
// on purpose: verification with the planner decides; here we only avoid what cannot help (what an
// existing index already serves, columns the table does not have, partial predicates that keep
// most of the table).
import { findTable } from '../catalog/find.js';
import { skipScanServes } from '../catalog/skipScan.js';
import type { Catalog, CatalogIndex, CatalogTable, IndexCandidate, ParsedStatement, TableAccess } from '../types.js';
import { btreeProposals, type Proposal } from './btree.js';
import { candidateKey, describeIndex, existingIndexCovers } from './indexDefinition.js';
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
  /** Lookups an existing index serves by a skip scan (18+), by candidate key: said unless another statement proposes the key anyway. */
  const skipNotes = new Map<string, string>();

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
        const candidate = { ...base, key, statementIds: [], reasons: [] };
        const covering = table.indexes.find((ix) => existingIndexCovers(ix, candidate));
        if (covering) {
          alreadyCovered.set(key, covering.name);
          continue;
        }
        const skipping = p.equality ? skipScanCovering(table, candidate, catalog.serverVersion) : undefined;
        if (skipping) {
          alreadyCovered.set(key, skipping.index.name);
          skipNotes.set(
            key,
            `${table.schema}.${describeIndex(candidate)} not proposed: on PostgreSQL ${catalog.serverVersion} the existing index ` +
              `${skipping.index.name} serves its lookups by a skip scan over ${skipping.skipped.join(', ')} ` +
              `(${skipping.searches} index searches instead of one).`,
          );
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
  for (const [key, note] of skipNotes) if (!byKey.has(key)) notes.add(note);
  return {
    candidates: [...byKey.values()],
    alreadyCovered: [...alreadyCovered].map(([key, index]) => ({ key, index })),
    unknownTables: [...unknownTables],
    notes: [...notes],
  };
}

/**
 * An existing b-tree that serves a lookup candidate's equality conditions by a skip scan (18+):
 * the candidate's keys follow leading plain columns with few values between them (../catalog/skipScan.ts).
 */
function skipScanCovering(
  table: CatalogTable,
  c: IndexCandidate,
  serverVersion: number,
): { index: CatalogIndex; skipped: string[]; searches: number } | undefined {
  if (c.method !== 'btree') return undefined;
  for (const ix of table.indexes) {
    if (ix.method !== 'btree') continue;
    for (let skip = 1; skip + c.columns.length <= ix.keys.length; skip++) {
      const lead = ix.keys.slice(0, skip);
      if (lead.some((k) => !k.column)) break;
      const stats = lead.map((k) => table.columns.find((col) => col.name === k.column)?.stats);
      const searches = skipScanServes(serverVersion, stats);
      if (searches === undefined) break;
      if (existingIndexCovers(ix, c, skip)) return { index: ix, skipped: lead.map((k) => k.column!), searches };
    }
  }
  return undefined;
}

function proposalsFor(access: TableAccess, table: CatalogTable, catalog: Catalog, maxColumns: number, notes: Set<string>): Proposal[] {
  return [...btreeProposals(access, table, maxColumns), ...specialProposals(access, table, catalog, notes)];
}
