// What the audit works on, as plain data, so that the analysis (./analyze.ts) is pure and can be
// unit-tested without a server: the indexes of the shared catalog in the audit's own shape
// (./fromCatalog.ts), and what the audit reads itself (./read.ts: foreign keys, scans, statistics).
import type { IndexPosition } from '../types.js';

export interface ConstraintRef {
  /** p = primary key, u = unique, x = exclusion, f = a foreign key that references this index. */
  type: 'p' | 'u' | 'x' | 'f';
  name: string;
  /** Qualified name of the constraint's table (for f: the referencing table). */
  table: string;
}

export interface AuditIndex {
  oid: number;
  tableOid: number;
  schema: string;
  table: string;
  name: string;
  /** 'i' index, 'I' partitioned index (no storage of its own; its partitions' indexes hold the data). */
  relkind: 'i' | 'I';
  /** Attached to a partitioned index: cannot be dropped on its own. */
  isPartition: boolean;
  /** Name of the partitioned index it is attached to, when isPartition. */
  parentIndex?: string;
  method: string;
  keys: IndexPosition[];
  include: IndexPosition[];
  /** WHERE of a partial index (pg_get_expr), or null. */
  predicate: string | null;
  unique: boolean;
  nullsNotDistinct: boolean;
  primary: boolean;
  exclusion: boolean;
  replicaIdentity: boolean;
  valid: boolean;
  /** indisready: false when a concurrent build failed (or is) before its build phase, or a concurrent drop got far. */
  ready: boolean;
  /** indislive: false once a DROP INDEX CONCURRENTLY / REINDEX CONCURRENTLY has marked it dead. */
  live: boolean;
  /** A CREATE INDEX / REINDEX is building it right now (pg_stat_progress_create_index). */
  building: boolean;
  constraints: ConstraintRef[];
  /** pg_get_indexdef() */
  definition: string;
  /** Size in bytes (for 'I': the sum over its partitions' indexes). */
  bytes: number;
  relpages: number;
  /** Index reltuples; < 0 when never vacuumed/analyzed. */
  reltuples: number;
  /** fillfactor from reloptions, or the b-tree default 90. */
  fillfactor: number;
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
  statsLookup: Array<{ table: string; column: string; isName: boolean }>;
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
