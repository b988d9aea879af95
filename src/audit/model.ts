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
  /** pg_constraint oid (the older constraint has the lower one). */
  oid: number;
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
  refTableOid: number;
  /** Referenced columns (attnums and names), in constraint order: refColumns[i] is what columns[i] references. */
  refAttnums: number[];
  refColumns: string[];
  /** format_type() of each referencing / referenced column, in constraint order. */
  types: string[];
  refTypes: string[];
  /** Type oid of each referencing / referenced column, a domain read as its base type. */
  typeOids: number[];
  refTypeOids: number[];
  /** pg_get_constraintdef(): `FOREIGN KEY (a) REFERENCES t(id) ON DELETE CASCADE [NOT VALID]`. */
  definition: string;
  /** convalidated: false for a NOT VALID constraint that was never validated. */
  validated: boolean;
  tableBytes: number;
  tableRows: number;
}

/** A table column that some index has as a key or INCLUDE column: its type and (from the catalog) its pg_stats. */
export interface AuditColumn {
  tableOid: number;
  attnum: number;
  name: string;
  /** format_type(), e.g. `boolean`, `integer[]`. */
  type: string;
  /** pg_type.typcategory; a domain has its base type's: `B` boolean, `A` array. */
  category: string;
  notNull: boolean;
  /** pg_stats of the column, when it was analyzed and the role may see it. Most common values as text. */
  stats?: { nullFrac: number; avgWidth: number; nDistinct?: number; mostCommonVals?: string[]; mostCommonFreqs?: number[] };
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
