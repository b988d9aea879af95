// What the audit works on, as plain data, so that the analysis (./analyze.ts) is pure and can be
// unit-tested without a server: the indexes of the shared catalog in the audit's own shape
// (./fromCatalog.ts), and what the audit reads itself (./read.ts: foreign keys, scans, statistics).
import type { CatalogIndex, IndexPosition } from '../types.js';

export interface ConstraintRef {
  /** p = primary key, u = unique, x = exclusion, f = a foreign key that references this index. */
  type: 'p' | 'u' | 'x' | 'f';
  name: string;
  /** Qualified name of the constraint's table (for f: the referencing table). */
  table: string;
}

/**
 * An index of the shared catalog as the audit sees it: its table, its key and INCLUDE positions in
 * detail, and the constraints it backs with their tables' qualified names.
 */
export interface AuditIndex
  extends Omit<CatalogIndex, 'keys' | 'include' | 'opclasses' | 'positions' | 'predicate' | 'constraints' | 'statsLookup'> {
  tableOid: number;
  table: string;
  keys: IndexPosition[];
  include: IndexPosition[];
  /** WHERE of a partial index (pg_get_expr), or null. */
  predicate: string | null;
  constraints: ConstraintRef[];
}

export interface AuditForeignKey {
  name: string;
  schema: string;
  table: string;
  tableOid: number;
  /** 'r' or 'p' (partitioned table). */
  tableKind: string;
  /** Referencing columns (attnums and names), in constraint order. */
  attnums: number[];
  columns: string[];
  refSchema: string;
  refTable: string;
  tableBytes: number;
  tableRows: number;
}

/** An index with, per key and INCLUDE position, where pg_stats keeps its statistics (for the bloat estimate). */
export interface IndexRow extends AuditIndex {
  statsLookup: CatalogIndex['statsLookup'];
}

/** Scan counts one host reports for one index. */
export interface IndexScanStats {
  schema: string;
  name: string;
  idxScan: number;
  /** PG 16+: pg_stat_user_indexes.last_idx_scan (ISO), else null. */
  lastIdxScan: string | null;
}

/** Per-position column statistics for the bloat estimate (null when pg_stats shows no row). */
export interface ColumnStats {
  nullFrac: number;
  avgWidth: number;
  isName: boolean;
}

export interface PgstatindexRow {
  indexSize: number;
  internalPages: number;
  leafPages: number;
  emptyPages: number;
  deletedPages: number;
  avgLeafDensity: number;
  leafFragmentation: number;
}
