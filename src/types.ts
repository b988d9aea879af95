// Plain data passed between the pipeline stages. Every stage takes and returns these shapes
// (no classes, no connections), so a stage can be tested on its own and the JSON report can
// serialise them as they are. This module imports nothing: every other module may import it.

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
  /** `log`: from server logs alone (`--log` on a target without pg_stat_statements): calls and times as logged, no rows. */
  source: 'pg_stat_statements' | 'workload-file' | 'log';
  /** Constants the application sent for the text's `$n`, as the constant sources saw them (src/harvest/constants.ts). */
  constants?: ObservedConstant[];
}

/** A constant an application sent for a normalized statement, as one source saw it. */
export interface ObservedConstant {
  /** `$n` of the statement's normalized text, when the source saw the whole text (a log, pg_stat_activity). */
  param?: number;
  /** Else the column it was compared with, as pg_qualstats records it (resolved to a `$n` by the parse stage). */
  column?: { schema: string; table: string; column: string; operator: string };
  /** The value as an SQL literal (`'pending'`, `42`). */
  value: string;
  /** Executions seen with this value. */
  count: number;
  /** Where it was seen: `pg_qualstats`, `log <file>`, `pg_stat_activity`. */
  source: string;
}

/** A constant put back in place of a `$n`, with where it came from (ParsedStatement.recovered, shown in the report). */
export interface RecoveredConstant {
  param: number;
  /** The value stands for a whole expression over several `$n` (its text, `date $2 + interval $3 year`). */
  site?: string;
  value: string;
  /** `default_text_search_config`, `pg_qualstats`, `log /var/log/postgresql.log`, `pg_stat_activity`, `inferred`... */
  source: string;
  /**
   * The statement always uses it (one value in every execution seen, enough of them): the text with
   * the literal is what is costed. Otherwise the generic plan of the `$n` text is costed.
   */
  certain: boolean;
  /** Executions seen, and the share of them with this value (observed sources only). */
  seen?: number;
  share?: number;
  /** Not seen but deduced (rows per call against pg_stats): never taken as known. */
  inferred?: string;
  /** Not seen, and costed with this value all the same (a range's bounds, parse/assumedRanges.ts): why. */
  assumed?: string;
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

/**
 * A bare `$n` (cast or not: `date $1`), or an expression over parameters (`date $2 + interval $3
 * year`, `$1 * 2`), by where it starts in the text: a value seen for it replaces the whole.
 */
export type ValuePlace = { param: number } | { site: number };

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
  /**
   * Where a value for the condition goes, when it has parameters: one place for the value side,
   * two for a BETWEEN's bounds (null: a literal bound). A source that saw the folded value of an
   * expression (pg_qualstats) puts it back in its place.
   */
  places?: Array<ValuePlace | null>;
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
  /** `ORDER BY col <-> value` (first sort key): a GiST index can return rows in that order. */
  distanceOrder?: { column: string; operator: string; constant?: string };
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
  /** Constants that normalization had replaced, as recovered, with where they came from. */
  recovered?: RecoveredConstant[];
  /** What the advice for this statement could not take into account. */
  notes?: string[];
}

/**
 * Catalog facts the advice and the audit need, read once per run (src/catalog/readCatalog.ts).
 * The reader reads every table either of them may look at, and each takes its own view of them
 * (src/catalog/scope.ts): they differ (the audit leaves extension-owned tables out, the advice
 * does not).
 */
export interface CatalogTable {
  schema: string;
  name: string;
  oid: number;
  /** pg_class.relkind: r table, p partitioned table, m materialized view, t TOAST table. */
  relkind: 'r' | 'p' | 'm' | 't';
  /** Belongs to an extension (pg_depend deptype 'e'): the audit leaves such tables alone. */
  extensionOwned: boolean;
  /** Leaf partitions, for a partitioned table (indexes are built on each, then attached). */
  partitions?: Array<{ schema: string; name: string }>;
  /** reltuples (estimate). */
  rows: number;
  /** Size of the heap in bytes. */
  bytes: number;
  columns: CatalogColumn[];
  /** The table's indexes, by name. */
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

/** One key or INCLUDE position of an index, as pg_index records it. */
export interface IndexPosition {
  /** Table column number, 0 for an expression. */
  attnum: number;
  /** Column name (quoted as needed) or expression text, as pg_get_indexdef(oid, k, false) prints it. */
  text: string;
  /** Name of the table column, for plain columns. */
  column?: string;
  /** Key positions only: operator class oid, collation oid (0 = none), indoption bits (1 = DESC, 2 = NULLS FIRST). */
  opclass?: number;
  collation?: number;
  option?: number;
}

/** A constraint that an index backs (p, u, x) or that references it (f: a foreign key of another table). */
export interface CatalogConstraint {
  type: 'p' | 'u' | 'x' | 'f';
  name: string;
  /** The constraint's table (for f: the referencing table). */
  schema: string;
  table: string;
}

export interface CatalogIndex {
  /** The schema of the index, which is its table's. */
  schema: string;
  name: string;
  oid: number;
  /** 'i' index, 'I' partitioned index (no storage of its own; its partitions' indexes hold the data). */
  relkind: 'i' | 'I';
  /** Attached to a partitioned index: cannot be dropped on its own. */
  isPartition: boolean;
  /** Name of the partitioned index it is attached to, when isPartition. */
  parentIndex?: string;
  /** Access method: btree, hash, gin, gist, brin... */
  method: string;
  /** Key columns (or `expression` entries, as pg_get_indexdef(oid, k, true) prints them) in order. */
  keys: KeyPart[];
  include: string[];
  /** Operator class of each key column, or null where it is the type's default. */
  opclasses: Array<string | null>;
  /** Every key position (the first keys.length) then every INCLUDE position, in detail. */
  positions: IndexPosition[];
  /** WHERE clause of a partial index, as pg_get_expr prints it. */
  predicate?: string;
  unique: boolean;
  /** UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+). */
  nullsNotDistinct: boolean;
  primary: boolean;
  exclusion: boolean;
  /** indisreplident: the table's replica identity. */
  replicaIdentity: boolean;
  valid: boolean;
  /** indisready: false when a concurrent build failed (or is) before its build phase, or a concurrent drop got far. */
  ready: boolean;
  /** indislive: false once a DROP INDEX CONCURRENTLY / REINDEX CONCURRENTLY has marked it dead. */
  live: boolean;
  /** A CREATE INDEX / REINDEX was building it when the catalog was read (pg_stat_progress_create_index). */
  building: boolean;
  constraints: CatalogConstraint[];
  /** pg_get_indexdef() */
  definition: string;
  /** Size in bytes (for 'I': the sum over its partitions' indexes). */
  bytes: number;
  relpages: number;
  /** Index reltuples; < 0 when never vacuumed/analyzed. */
  reltuples: number;
  /** fillfactor from reloptions, or the b-tree default 90. */
  fillfactor: number;
  /**
   * Per position: where pg_stats keeps its statistics (the table's column, or for an expression
   * the index's own column), and whether its type is `name` (for the bloat estimate).
   */
  statsLookup: Array<{ table: string; column: string; isName: boolean }>;
}

export interface Catalog {
  serverVersion: number;
  /** Schemas an unqualified name is looked up in, in order (current_schemas(false)). */
  searchPath: string[];
  /** default_text_search_config, e.g. `pg_catalog.english`. */
  textSearchConfig?: string;
  /** The schemas the catalog was read for; absent: every schema but the system ones. */
  schemas?: string[];
  tables: CatalogTable[];
  /** Installed extensions (name → version). */
  extensions: Record<string, string>;
  /** Per schema, the names of its other relations (sequences, views, types, foreign tables): new index names avoid them. */
  otherRelations?: Record<string, string[]>;
  /**
   * Tables (`schema.table`) another session held or waited for an ACCESS EXCLUSIVE lock on while
   * the catalog was read: left out of `tables` (reading their sizes and index definitions would wait).
   */
  lockedTables?: string[];
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
  /** A bitmap heap scan's indexes (its Bitmap Index Scans, under BitmapAnd/BitmapOr). */
  bitmapIndexes?: string[];
  /** The node's own startup and total cost, and its filter as EXPLAIN prints it. */
  startupCost?: number;
  totalCost?: number;
  filter?: string;
  /** A parallel scan (EXPLAIN's "Parallel Aware"): its rows are per process. */
  parallel?: boolean;
  /** A parallel scan's Gather (Merge) right above it. */
  gather?: { workers: number; totalCost: number };
  /** A Limit above it (through sorts and Gathers only). */
  limit?: { rows: number; startupCost: number; totalCost: number };
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

/** A candidate hypopg cannot simulate, built for real on a scratch database and costed. */
export interface RealMeasurement {
  candidate: IndexCandidate;
  bytes: number;
  /** Each statement's plan on the scratch database without the index, and with it. */
  before: Map<string, CostOutcome>;
  after: Map<string, CostOutcome>;
  /** For a modelled index (cost model, not built): how its size and costs were estimated. */
  evidence?: string[];
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
  /** Why it stays beside a near-duplicate (`kept beside …`). */
  notes?: string[];
}

export type Verification =
  | { kind: 'hypopg' }
  | { kind: 'real'; where: string }
  /** Not built: the planner's formulas for the index (verify/indexCostModel.ts) on the statement's plan without it. */
  | { kind: 'model'; evidence: string[] }
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
  /** ...or, for the statements a new index serves selectively (select/selective.ts), this share. */
  smallImprovementFloor: number;
  selective: Set<string>;
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
  /** Statements the server could not plan, with its reason. */
  failed: Array<{ statementId: string; reason: string }>;
  /** Chosen, then struck out of the set (near-duplicates, next to no credit), with why. */
  struck: StruckIndex[];
  /** The candidates of the race left out (and those screening saw no plan use), with why. */
  notChosen: NotChosen[];
  /** Statements the planner expects to be markedly dearer with the set. */
  regressions: Regression[];
  /** Costings that failed after the baseline (their gains were not counted), one per statement and error. */
  costFailures: CostFailure[];
}

/** A statement the server could plan alone but not with these hypothetical indexes in place. */
export interface CostFailure {
  statementId: string;
  /** Candidate keys in place when it failed. */
  indexes: string[];
  error: string;
}

export interface StruckIndex {
  candidate: IndexCandidate;
  reason: string;
}

/** A candidate the selection costed and left out, with why. */
export interface NotChosen {
  candidate: IndexCandidate;
  reason: string;
  /** Its net benefit when last costed (0 when it never was). */
  net: number;
}

/** A statement the planner expects to be markedly dearer with the set than without it. */
export interface Regression {
  statementId: string;
  costBefore: number;
  costAfter: number;
  /** The chosen indexes its plan uses (candidate keys). */
  indexesUsed: string[];
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
  /** Proven by the planner with the index in place (hypopg, or built for real); false for modelled and unverified ones. */
  verified: boolean;
  /** How: hypopg, built for real, the cost model, or not at all (a proposal, a comment in the migration). */
  verifiedBy: 'hypopg' | 'real' | 'model' | 'none';
  verification: string;
  /** costAfter is NaN (null in JSON) where it was not measured (unverified recommendations). */
  statements: Array<{ statementId: string; costBefore: number; costAfter: number; weight: number }>;
  /** Why it stays beside a near-duplicate, with the figures. */
  notes?: string[];
  /** On a partitioned table: the name of the index the migration builds on each partition, unique in its schema. */
  partitionIndexes?: Array<{ schema: string; table: string; name: string }>;
  /** An existing index this one makes unnecessary, proven by hiding it (hypopg 1.4+): the migration drops it after the build. */
  replaces?: Replacement;
}

/**
 * What the planner expects when an existing index is hidden from it (hypopg 1.4's
 * hypopg_hide_index): each statement that reads its table costed with it and without it.
 */
export interface HidingCheck {
  /** Statements costed (those that read the index's table and could be planned). */
  statementsCosted: number;
  /** Statements more than 10 % dearer without the index (the regression rule): none for a safe drop. */
  slower: HiddenCost[];
  /** What the index was hidden beside: `today's indexes`, or the recommended set. */
  against: string;
}

export interface HiddenCost {
  statementId: string;
  query: string;
  /** Planner cost with the index, and with it hidden. */
  costWith: number;
  costHidden: number;
}

/** An existing index a recommendation replaces ('drop X and add Y'). */
export interface Replacement {
  schema: string;
  /** The existing index's name. */
  index: string;
  /** Its pg_get_indexdef(), for the down migration. */
  definition: string;
  bytes: number;
  /** The statements costed with the recommended set and this index hidden. */
  check: HidingCheck;
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
    /** The existing indexes its generic plan uses today (the history tells when they change). */
    indexesUsed?: string[];
  }>;
  /** Candidates the server refused to simulate or build (non-immutable expression...), with why. */
  rejectedCandidates: Array<{ definition: string; reason: string }>;
  /** Indexes the selection chose and then struck out (near-duplicates, next to no credit), with why. */
  struckOut: Array<{ definition: string; reason: string }>;
  /** Candidates costed and left out, with why (the race's first, most beneficial first; then those no plan used). */
  notChosen: Array<{ definition: string; reason: string }>;
  /** The size budget of the new indexes, when one was set (bytes). */
  budgetBytes?: number;
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
  /** With a history store (`--history`): the window the advice covers and what changed since the previous run. */
  history?: HistoryReport;
  /** The run ended early and this report has only part of the analysis (exit status 4). */
  partial?: PartialRun;
  /**
   * Whether the target's hypopg can hide an existing index (1.4+): replacements and the audit's
   * confirmation by hiding need it. Absent when no what-if session was opened.
   */
  hiding?: { available: boolean; hypopgVersion: string /** Where it is not available: what that means for this report. */; note?: string };
}

/**
 * Why a run ended early: the connection to the server was lost, and lost again (or could not be
 * made again) after one reconnection. The report holds what was done before.
 */
export interface PartialRun {
  /** What the run was doing: `costing statements with hypothetical indexes`. */
  during: string;
  /** The last error, with its SQLSTATE. */
  error: string;
  /** What the report lacks because of it. */
  missing: string[];
  /** The selection finished before the run ended: the recommendations are the night's (else there are none). */
  recommendationsComplete: boolean;
}

export interface RepresentativeCost {
  /** `$n` → the literal used. */
  values: Record<string, string>;
  costBefore: number;
  costAfter: number;
  /** Generic and custom plans say the same about whether the advice helps this statement. */
  agrees: boolean;
}

// The audit of existing indexes (`pg-index-advisor audit`, and the nightly report's audit part):
// what it found, with the evidence and the migration for each finding. The audit's own model of
// what it reads is in src/audit/model.ts.

export type AuditFindingKind =
  | 'unused'
  | 'duplicate'
  | 'redundant'
  | 'invalid'
  | 'bloated'
  | 'missing-fk-index'
  | 'mostly-null-index'
  | 'boolean-index'
  | 'btree-array-index'
  | 'fk-type-mismatch'
  | 'duplicate-fk';

/**
 * What the finding's migration does. 'replace': builds a new index (CONCURRENTLY), then drops the
 * old one. 'review': report only; its upSql/downSql are `--` comments (the statements to run by
 * hand after checking, e.g. a schema change), and the migration runs nothing for it.
 */
export type AuditAction = 'drop' | 'reindex' | 'drop-and-recreate' | 'create' | 'replace' | 'review' | 'keep';

export interface AuditFinding {
  kind: AuditFindingKind;
  schema: string;
  table: string;
  /** The index the finding is about (absent for the foreign-key findings: missing-fk-index, fk-type-mismatch, duplicate-fk). */
  index?: string;
  /** What to do. 'keep': reported for information, no SQL (e.g. a duplicate of which both copies back constraints). */
  action: AuditAction;
  /** One sentence: what is wrong and what to do. */
  summary: string;
  /** The facts behind the finding (scans, size, stats age, the index that makes it redundant...), for display. */
  evidence: Record<string, string | number | boolean | null>;
  /**
   * missing-fk-index, fk-type-mismatch, duplicate-fk, and an invalid index rebuilt for a foreign key: the foreign key (constraint
   * name, referencing columns in constraint order).
   */
  foreignKey?: { name: string; columns: string[] };
  /** Size of the index now, in bytes. */
  bytes?: number;
  /** Bytes the action would give back. */
  reclaimableBytes?: number;
  /**
   * Statements of the up migration, each a complete statement ending with `;`, or a comment line
   * starting with `--`. Without the session settings (lock_timeout...), which the migration adds once.
   */
  upSql: string[];
  /** Statements that undo upSql (same form), in the order to run them. */
  downSql: string[];
  /** unused, duplicate, redundant: the workload costed with the index hidden (hypopg 1.4+, the nightly report). */
  confirmedByHiding?: HidingCheck;
}

export interface AuditHost {
  /** Redacted URL. */
  target: string;
  role: 'primary' | 'replica';
  /** Did the host answer? (false: its scans are missing and unused findings are withheld) */
  ok: boolean;
  serverVersion?: number;
  inRecovery?: boolean;
  /** Start of the statistics window this host counts scans over (ISO 8601), and where that came from. */
  statsSince?: string | null;
  statsSinceSource?: 'stats_reset' | 'postmaster_start';
  statsAgeSeconds?: number | null;
  error?: string;
}

export interface AuditResult {
  generatedAt: string;
  /** Connection URLs with passwords redacted; the first one is the primary (catalog and DDL target). */
  targets: string[];
  serverVersion: number;
  /**
   * Age of the scan statistics in seconds: the youngest over all hosts that answered (an index is
   * unused only if it went unused on every host for at least this long). null when unknown.
   */
  statsAgeSeconds: number | null;
  findings: AuditFinding[];
  /** Indexes that a finding would have dropped but that must stay, with why (`schema.index`). */
  kept: Array<{ index: string; reason: string }>;
  warnings: string[];
  /** Per-host details (stats window, errors). */
  hosts?: AuditHost[];
  /** The thresholds the audit used. */
  settings?: {
    minStatsAgeDays: number;
    maxScans: number;
    /** PostgreSQL 16+: an index last scanned longer ago than this (days) is unused whatever its scan count; 0: off. */
    lastScanAgeDays?: number;
    bloatRatio: number;
    bloatMinBytes: number;
    /** Mostly NULL: share of NULLs in an index's leading key column (pg_stats.null_frac) from which it is reported. */
    nullFrac?: number;
    /** Where bloat figures came from: pgstattuple's pgstatindex() when installed and permitted, else the statistics estimate. */
    bloatSource: 'pgstatindex' | 'estimate' | 'mixed' | 'none';
  };
}

// The history of nightly runs (`--history`, src/history/): what each run read and said, and what
// changed since the previous one.

/** What pg_stat_statements counts for a statement: cumulative as read, or over a window. */
export interface StatementActivity {
  queryid: string;
  /** The normalized text (kept so that a later run can name a statement that has since been evicted). */
  query: string;
  calls: number;
  totalExecMs: number;
  rows: number;
  sharedBlksHit: number;
  sharedBlksRead: number;
}

/** One pg_stat_statements entry's cumulative counters, as read (per queryid, user and database). */
export interface StatementCounters extends StatementActivity {
  userid: number;
  dbid: number;
}

/** An index's usage counter and size (pg_stat_user_indexes), with its definition (applied advice is found by it). */
export interface IndexUsage {
  schema: string;
  table: string;
  name: string;
  /** pg_get_indexdef() */
  definition: string;
  valid: boolean;
  scans: number;
  bytes: number;
}

export interface TableSize {
  schema: string;
  name: string;
  /** pg_total_relation_size: heap, indexes and TOAST. */
  bytes: number;
  /** n_live_tup */
  rows: number;
}

/** What a nightly run read of the target's cumulative statistics (src/harvest/counters.ts). */
export interface TargetCounters {
  /** The server's clock when read (ISO 8601). */
  readAt: string;
  serverVersion: number;
  /** pg_stat_statements_info.stats_reset (PostgreSQL 14+), null before 14 or without pg_stat_statements. */
  statsReset: string | null;
  /** pg_stat_statements_info.dealloc: entries evicted at pg_stat_statements.max since the reset (14+). */
  dealloc: number | null;
  /** Top-level entries of the current database whose text the role may see. */
  statements: StatementCounters[];
  /** Entries of other roles hidden from this one (no pg_read_all_stats). */
  hidden: { entries: number; calls: number };
  indexes: IndexUsage[];
  tables: TableSize[];
}

/** `last`: since the previous snapshot; `7d`: the last seven days of windows; `all`: since the statistics were reset. */
export type WindowMode = 'last' | '7d' | 'all';

/** One statement's activity in a window (summed over users). */
export type WindowStatement = StatementActivity;

/** What the advice's window covers, and the irregularities met when working it out. */
export interface WindowInfo {
  mode: WindowMode;
  /** Start of the window (the previous snapshot's time, or the statistics reset), or null: unknown (all time). */
  since: string | null;
  until: string;
  calls: number;
  totalExecMs: number;
  /** Statements with calls in the window. */
  statements: number;
  /** The statistics were reset since the previous snapshot (stats_reset moved): the window starts at the reset. */
  statsReset: boolean;
  /** Entries whose counters went backwards (reset one by one, or evicted and back): counted from zero. */
  wentBackwards: number;
  /** Entries of the previous snapshot that are gone (evicted at pg_stat_statements.max, or reset). */
  evicted: number;
  /** Entries that were not in the previous snapshot. */
  newEntries: number;
  notes: string[];
}

/** A recommendation as the history remembers it. */
export interface RememberedRecommendation {
  /** candidateKey(): the same index on every run, whatever its name. */
  key: string;
  name: string;
  schema: string;
  table: string;
  definition: string;
  statementIds: string[];
  benefitShare: number;
  /** When it was first recommended, and on how many runs since. */
  firstSeen: string;
  runs: number;
}

/** An audit finding as the history remembers it. */
export interface RememberedFinding {
  /** kind, table and the index or foreign key it is about. */
  key: string;
  kind: string;
  summary: string;
  firstSeen: string;
  runs: number;
}

/** A recommendation the catalog now holds, with what its statements' mean time did. */
export interface AppliedRecommendation {
  recommendation: RememberedRecommendation;
  /** The run that first found it in the catalog (the index was built between the two runs). */
  foundOn: string;
  /** The index as the catalog names it. */
  index: string;
  statements: Array<{ queryid: string; query: string; meanMsBefore: number | null; meanMsAfter: number | null; slower: boolean }>;
  /** Calls-weighted mean time of its statements before and after (null where a side had no calls). */
  meanMsBefore: number | null;
  meanMsAfter: number | null;
}

/** A statement whose mean time grew by more than the threshold between the previous window and this one. */
export interface TimeRegression {
  queryid: string;
  query: string;
  meanMsBefore: number;
  meanMsAfter: number;
  callsBefore: number;
  callsAfter: number;
  /** The existing indexes its plan used at the previous run and uses now, when they differ. */
  planChanged?: { indexesBefore: string[]; indexesAfter: string[] };
}

/** What changed since the previous run (src/history/diff.ts). */
export interface RunDiff {
  /** The previous run, or null on the first. */
  previousRun: string | null;
  recommendations: {
    new: RememberedRecommendation[];
    open: RememberedRecommendation[];
    withdrawn: RememberedRecommendation[];
    applied: AppliedRecommendation[];
  };
  findings: { new: RememberedFinding[]; open: RememberedFinding[]; resolved: RememberedFinding[] };
  regressions: TimeRegression[];
  /** The share of mean time growth from which a statement counts as a regression (0.5: half again as slow). */
  regressionThreshold: number;
}

export interface HistoryReport {
  /** Where the history is kept (a folder, or a redacted URL). */
  store: string;
  /** This run's snapshot id. */
  snapshot: string;
  window: WindowInfo;
  diff: RunDiff;
  /** Mean times of tonight's costliest statements on each stored run of the last 30 days (advice.html's chart). */
  times?: StatementTimePoint[];
}

/** One statement's mean time on one past run. */
export interface StatementTimePoint {
  /** When the run was (ISO 8601). */
  date: string;
  statementId: string;
  meanMs: number;
}

/** What one run stores in the history (one file in a history folder, one row in a history database). */
export interface Snapshot {
  version: 1;
  /** The run's time, ISO 8601: also its id. */
  takenAt: string;
  /** The target, redacted URL. */
  target: string;
  counters: TargetCounters;
  window: WindowInfo;
  /** Per statement, its activity in this run's window: what `--window 7d` and the before/after of applied advice add up. */
  windowStatements: WindowStatement[];
  recommendations: RememberedRecommendation[];
  findings: RememberedFinding[];
  /** Per statement analysed, the existing indexes its plan used (AdviceResult.statements' indexesUsed). */
  plans?: Record<string, string[]>;
  /** Headline figures of the advice (AdviceResult without statements, lists and audit details). */
  advice: { statementsAnalyzed: number; workloadCostBefore: number; workloadCostAfter: number; warnings: number };
}
