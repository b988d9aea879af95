import type { AuditResult } from './audit/types.js';

// Plain data passed between the pipeline stages. Every stage takes and returns these shapes
// (no classes, no connections), so a stage can be tested on its own and the JSON report can
// serialise them as they are.

/** One statement of the workload, as harvested from pg_stat_statements or a workload file. */
export interface WorkloadStatement {
  /** Stable id: pg_stat_statements.queryid, or a fingerprint for workload files. */
  id: string;
  /** The text as harvested (may be normalized: `$1` in place of constants). */
  query: string;
  calls: number;
  totalExecMs: number;
  meanExecMs: number;
  rows: number;
  sharedBlksHit: number;
  sharedBlksRead: number;
  source: 'pg_stat_statements' | 'workload-file';
}

export interface Workload {
  statements: WorkloadStatement[];
  /** Statements left out, with the reason (utility, catalog-only, the advisor's own, filters...). */
  skipped: SkippedStatement[];
  /** Where it came from, for the report (URLs are redacted). */
  origin: string;
  warnings: string[];
}

export interface SkippedStatement {
  id: string;
  query: string;
  reason: string;
}

/** A column or expression a statement constrains, orders or groups by. */
export interface KeyPart {
  /** Column name when the key is a plain column. */
  column?: string;
  /** Expression text (deparsed, as it would appear in CREATE INDEX) when the key is an expression. */
  expression?: string;
  /** Columns the expression reads (for attributing it to a table). */
  expressionColumns?: string[];
}

export type PredicateKind =
  | 'eq' // col = value
  | 'in' // col IN (...), col = ANY($1)
  | 'range' // <, <=, >, >=, BETWEEN
  | 'isnull'
  | 'isnotnull'
  | 'like' // LIKE / ILIKE / ~ (with the pattern when known)
  | 'bool' // WHERE flag / WHERE NOT flag
  | 'jsonb' // @>, ?, ?|, ?&
  | 'array' // &&, @>, <@ on arrays (also jsonb @> when typed as such)
  | 'fts' // tsvector @@ tsquery
  | 'neq'
  | 'other';

export interface Predicate {
  key: KeyPart;
  kind: PredicateKind;
  /** SQL operator as written (`=`, `<`, `~~`, `@>` ...). */
  operator: string;
  /** Constant side when it is a literal (not a `$n` parameter), as SQL text. */
  constant?: string;
  /** `IN ('a', 'b')` with literals only: each of them, as SQL text. */
  constants?: string[];
  /**
   * Comes from one arm of an OR that restricts this table in every arm (`(a = 1 AND …) OR (a = 2
   * AND …)`): an index on it serves a BitmapOr, but the statement does not always carry it, so it
   * never becomes a partial index's WHERE.
   */
  orArm?: boolean;
  /** True for `NOT flag`, `IS NOT NULL` style negations where relevant. */
  negated?: boolean;
  /** `$n` parameters on the value side, in order (BETWEEN $1 AND $2 → [1, 2]). */
  params?: number[];
  /** The whole condition as SQL text (used for partial-index predicates). */
  text: string;
}

export interface SortKey {
  key: KeyPart;
  descending: boolean;
  /** Explicit NULLS FIRST/LAST, or undefined for the default of the direction. */
  nullsFirst?: boolean;
}

/** What one statement does with one table (one range-table entry in one query level). */
export interface TableAccess {
  /** Schema as written, or undefined (resolved later against the search_path). */
  schema?: string;
  table: string;
  alias: string;
  predicates: Predicate[];
  /** Columns compared with a column of another table (join keys). */
  joinColumns: string[];
  /** ORDER BY keys when every key of the ORDER BY comes from this table. */
  orderBy: SortKey[];
  groupBy: KeyPart[];
  /** The query level has a LIMIT (makes an ordered index worth more). */
  hasLimit: boolean;
  /** Columns of this table the statement reads anywhere; `*` when it reads all. */
  columnsRead: string[];
  /** For the target of INSERT/UPDATE/DELETE/MERGE: what it writes (UPDATE lists the columns set). */
  write?: { kind: 'insert' | 'update' | 'delete' | 'merge'; columns: string[] };
}

export type StatementKind = 'select' | 'insert' | 'update' | 'delete' | 'merge' | 'other';

export interface ParsedStatement {
  id: string;
  kind: StatementKind;
  /** Text the server accepts for EXPLAIN (normalized constants repaired), or undefined when not repairable. */
  explainText?: string;
  /** Number of `$n` parameters in explainText. */
  paramCount: number;
  /** Types to declare in PREPARE (`unknown` lets the server infer one from the context). */
  paramTypes?: string[];
  tables: TableAccess[];
  /** Why the statement cannot be advised (parse error, unrepairable text...). */
  error?: string;
  /** Constants that normalization had replaced and that were put back, with where they came from. */
  recovered?: Array<{ param: number; value: string; source: string }>;
  /** What the advice for this statement could not take into account. */
  notes?: string[];
}

/** Catalog facts the candidate and audit stages need, read once per run. */
export interface CatalogTable {
  schema: string;
  name: string;
  oid: number;
  /** Leaf partitions, for a partitioned table (indexes are built on each, then attached). */
  partitions?: Array<{ schema: string; name: string }>;
  /** reltuples (estimate). */
  rows: number;
  /** Size of the heap in bytes. */
  bytes: number;
  columns: CatalogColumn[];
  indexes: CatalogIndex[];
  /** Writes since statistics reset (pg_stat_user_tables). */
  writes: { inserts: number; updates: number; hotUpdates: number; deletes: number };
  /** Sequential and index scans since statistics reset. */
  seqScans: number;
  idxScans: number;
}

export interface CatalogColumn {
  name: string;
  type: string;
  notNull: boolean;
  /** pg_stats, when the table has been analyzed. */
  stats?: {
    nullFrac: number;
    nDistinct: number;
    avgWidth: number;
    correlation?: number;
    /** Most common values as text, with their frequencies (same order). */
    mostCommonVals?: string[];
    mostCommonFreqs?: number[];
    /** Histogram bounds as text (values between the MCVs, in order). */
    histogramBounds?: string[];
  };
}

export interface CatalogIndex {
  schema: string;
  name: string;
  oid: number;
  /** Access method: btree, hash, gin, gist, brin... */
  method: string;
  /** Key columns (or `expression` entries) in order. */
  keys: KeyPart[];
  include: string[];
  /** Operator class of each key column, or null where it is the type's default. */
  opclasses: Array<string | null>;
  /** WHERE clause of a partial index, as pg_get_expr prints it. */
  predicate?: string;
  unique: boolean;
  primary: boolean;
  valid: boolean;
  definition: string;
  bytes: number;
}

export interface Catalog {
  serverVersion: number;
  /** Schemas an unqualified name is looked up in, in order (current_schemas(false)). */
  searchPath: string[];
  /** default_text_search_config, e.g. `pg_catalog.english`. */
  textSearchConfig?: string;
  tables: CatalogTable[];
  /** Installed extensions (name → version). */
  extensions: Record<string, string>;
}

/** A proposed index, before verification. */
export interface IndexCandidate {
  /** Stable key: same definition → same key. */
  key: string;
  schema: string;
  table: string;
  method: 'btree' | 'hash' | 'brin' | 'gin' | 'gist';
  columns: IndexColumn[];
  include: string[];
  /** Partial index predicate (SQL text), if any. */
  where?: string;
  /** Leaf partitions when the table is partitioned: hypothetical and real indexes go on each. */
  partitions?: Array<{ schema: string; name: string }>;
  /** Statement ids that led to this candidate. */
  statementIds: string[];
  /** Why it was proposed, in words (which predicate/ordering). */
  reasons: string[];
}

export interface IndexColumn {
  /** A quoted column name or a parenthesised expression, ready for CREATE INDEX. */
  sql: string;
  /** Plain column name when it is one (for prefix comparisons). */
  column?: string;
  descending?: boolean;
  nullsFirst?: boolean;
  opclass?: string;
}

/** A plan node that reads a table, with the planner's row estimate. */
export interface ScanEstimate {
  relation: string;
  schema?: string;
  node: string;
  rows: number;
  index?: string;
}

/**
 * What the planner said of one statement under one configuration: its total cost and the indexes
 * (real ones by name, hypothetical ones by candidate key) its plan uses, or why it could not plan it.
 */
export type CostOutcome = { ok: true; cost: number; indexesUsed: string[]; scans: ScanEstimate[] } | { ok: false; error: string };

/** One statement's cost before and after an index (or a set), and what the statement weighs. */
export interface StatementGain {
  statementId: string;
  costBefore: number;
  /** NaN (null in JSON) where it was not measured (unverified proposals). */
  costAfter: number;
  /** Calls, or total execution time in ms (`weight: 'total_time'`). */
  weight: number;
}

/** An index the selection chose, with what it is credited with. */
export interface ChosenIndex {
  candidate: IndexCandidate;
  bytes: number;
  /** Net benefit (Σ weighted saving − write cost), in the workload's weighted cost units. */
  benefit: number;
  writeCost: number;
  statements: StatementGain[];
  /** How the figures were obtained. */
  verification: Verification;
}

export type Verification =
  | { kind: 'hypopg' }
  | { kind: 'real'; where: string }
  /** hypopg cannot simulate the index and nothing built it: the evidence is the planner's row estimate. */
  | { kind: 'unverified'; evidence: string[] };

/**
 * How a statement's planner cost becomes workload cost: per statement, its calls, total time and
 * baseline cost, with the thresholds under which a saving does not count.
 */
export interface Scoring {
  weight: 'calls' | 'total_time';
  statements: Map<string, { calls: number; totalExecMs: number; baseline: number }>;
  /** A saving counts only when the cost falls by at least this share... */
  minImprovement: number;
  /** ...and by at least this many cost units a call. */
  minSavingPerCall: number;
}

/** What the selection decided, as data: the chosen indexes and every statement's cost before and after. */
export interface Selection {
  chosen: ChosenIndex[];
  /** Planner cost of each statement that could be planned, with no new index. */
  baseline: Map<string, number>;
  /** The same with the chosen indexes. */
  final: Map<string, number>;
  /** The tables each baseline plan reads and how many rows the planner expects from each. */
  baselineScans: Map<string, ScanEstimate[]>;
  scoring: Scoring;
  /** The workload's weighted cost with no new index: the denominator of shares. */
  totalWeightedCost: number;
  weightedCostAfter: number;
  /** Statements the server could not plan, with its reason. */
  failed: Array<{ statementId: string; reason: string }>;
  /** Keys of the candidates the planner used in no plan even with every candidate available. */
  unused: string[];
}

export interface Recommendation {
  candidate: IndexCandidate;
  /** CREATE INDEX text (without CONCURRENTLY / IF NOT EXISTS; the migration adds those). */
  definition: string;
  /** Index name the migration will create. */
  name: string;
  estimatedBytes: number;
  /** Workload-level benefit: Σ weight × (cost before − cost after), less the write cost. */
  benefit: number;
  /** Estimated cost of keeping the index up to date under the workload's writes (same units). */
  writeCost: number;
  /** Share of the workload's total weighted cost this index saves. */
  benefitShare: number;
  verified: boolean;
  verification: string;
  /** costAfter is NaN (null in JSON) where it was not measured (unverified recommendations). */
  statements: Array<{ statementId: string; costBefore: number; costAfter: number; weight: number }>;
}

export interface AdviceResult {
  generatedAt: string;
  /** Connection URL with the password redacted. */
  target: string;
  serverVersion: number;
  workloadOrigin: string;
  /** What weighs a statement: its calls, or its total execution time. */
  weight: 'calls' | 'total_time';
  recommendations: Recommendation[];
  /** Every analysed statement with its cost before and after the recommended set. */
  statements: Array<{
    statementId: string;
    query: string;
    calls: number;
    totalExecMs: number;
    costBefore: number | null;
    costAfter: number | null;
    recovered?: ParsedStatement['recovered'];
    notes?: string[];
    /** The same statement costed with representative parameter values (custom plans). */
    representative?: RepresentativeCost;
  }>;
  /** Candidates the server refused to simulate or build (non-immutable expression...), with why. */
  rejectedCandidates: Array<{ definition: string; reason: string }>;
  /** Statements that could not be advised, with why. */
  notAdvisable: Array<{ statementId: string; query: string; reason: string }>;
  skipped: SkippedStatement[];
  workloadCostBefore: number;
  workloadCostAfter: number;
  statementsAnalyzed: number;
  candidatesConsidered: number;
  whatIfCalls: number;
  warnings: string[];
  /** The audit of existing indexes, when the run included it (the nightly report). */
  audit?: AuditResult;
}

export interface RepresentativeCost {
  /** `$n` → the literal used. */
  values: Record<string, string>;
  costBefore: number;
  costAfter: number;
  /** Generic and custom plans say the same about whether the advice helps this statement. */
  agrees: boolean;
}
