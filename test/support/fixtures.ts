// Plain data for unit tests: a catalog table, a workload statement and a b-tree candidate with
// every required field, so that a test spells out only what it is about.
import type { CatalogIndex, CatalogTable, IndexCandidate, Snapshot, TargetCounters, WorkloadStatement } from '../../src/types.js';

let nextOid = 100;

/** A catalog table with no columns, indexes, rows or writes (each its own oid). */
export function catalogTable(schema: string, name: string, over: Partial<CatalogTable> = {}): CatalogTable {
  return {
    schema,
    name,
    oid: nextOid++,
    relkind: 'r',
    extensionOwned: false,
    rows: 0,
    bytes: 0,
    columns: [],
    indexes: [],
    writes: { inserts: 0, updates: 0, hotUpdates: 0, deletes: 0 },
    seqScans: 0,
    idxScans: 0,
    ...over,
  };
}

/** A valid, plain b-tree index of the catalog on `posts (author_id)`: `over` says what differs. */
export function catalogIndex(schema: string, name: string, over: Partial<CatalogIndex> = {}): CatalogIndex {
  return {
    schema,
    name,
    oid: nextOid++,
    relkind: 'i',
    isPartition: false,
    method: 'btree',
    keys: [{ column: 'author_id' }],
    include: [],
    opclasses: [null],
    positions: [{ attnum: 2, text: 'author_id', column: 'author_id', opclass: 1978, collation: 0, option: 0 }],
    unique: false,
    nullsNotDistinct: false,
    primary: false,
    exclusion: false,
    replicaIdentity: false,
    valid: true,
    ready: true,
    live: true,
    building: false,
    constraints: [],
    definition: `CREATE INDEX ${name} ON ${schema}.posts USING btree (author_id)`,
    bytes: 8192,
    relpages: 1,
    reltuples: 0,
    fillfactor: 90,
    statsLookup: [{ table: 'posts', column: 'author_id', isName: false }],
    ...over,
  };
}

/** A statement as pg_stat_statements shows it (a mean of 1 ms a call). */
export function workloadStatement(id: string, query: string, calls: number, over: Partial<WorkloadStatement> = {}): WorkloadStatement {
  return {
    id,
    query,
    calls,
    rows: calls,
    totalExecMs: calls,
    meanExecMs: 1,
    sharedBlksHit: 0,
    sharedBlksRead: 0,
    source: 'pg_stat_statements',
    ...over,
  };
}

/** A candidate on `public.table (columns...)`, keyed `table(columns) include(…) where …`. */
export function candidate(table: string, columns: string[], extra: Partial<IndexCandidate> = {}): IndexCandidate {
  return {
    key: `${table}(${columns.join(',')})${extra.include?.length ? ` include(${extra.include.join(',')})` : ''}${extra.where ? ` where ${extra.where}` : ''}`,
    schema: 'public',
    table,
    method: 'btree',
    columns: columns.map((c) => ({ sql: c, column: c })),
    include: [],
    statementIds: [],
    reasons: [],
    ...extra,
  };
}

/** A stored night with its counters and nothing else: an empty window since `since`, no advice. `over` says what differs. */
export function snapshotOf(counters: TargetCounters, since: string | null = null, over: Partial<Snapshot> = {}): Snapshot {
  return {
    version: 1,
    takenAt: counters.readAt,
    target: 'postgresql://x/app',
    counters,
    window: {
      mode: 'last',
      since,
      until: counters.readAt,
      calls: 0,
      totalExecMs: 0,
      statements: 0,
      statsReset: false,
      wentBackwards: 0,
      evicted: 0,
      newEntries: 0,
      notes: [],
    },
    windowStatements: [],
    recommendations: [],
    findings: [],
    advice: { statementsAnalyzed: 0, workloadCostBefore: 0, workloadCostAfter: 0, warnings: 0 },
    ...over,
  };
}
