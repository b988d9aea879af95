// The audit's view of the shared catalog (../catalog/readCatalog.ts): the indexes of the tables it
// looks at (../catalog/scope.ts: the schemas asked for, no extension-owned table), in its own
// model, ordered by schema, table and index name as PostgreSQL orders names (bytewise).
import { inAuditScope } from '../catalog/scope.js';
import { quoteQualified } from '../db/quote.js';
import type { Catalog, CatalogIndex, CatalogTable } from '../types.js';
import type { IndexRow } from './model.js';

export function auditIndexes(catalog: Catalog, schemas: readonly string[] | undefined): IndexRow[] {
  const out: IndexRow[] = [];
  for (const t of catalog.tables) {
    if (!inAuditScope(t, schemas)) continue;
    for (const ix of t.indexes) out.push(toAuditIndex(t, ix));
  }
  return out.sort((a, b) => compareNames(a.schema, b.schema) || compareNames(a.table, b.table) || compareNames(a.name, b.name));
}

/** The order of `ORDER BY` on a `name` column (collation "C": the bytes of the UTF-8 text). */
function compareNames(a: string, b: string): number {
  return a === b ? 0 : Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export function toAuditIndex(t: CatalogTable, ix: CatalogIndex): IndexRow {
  const row: IndexRow = {
    oid: ix.oid,
    tableOid: t.oid,
    schema: ix.schema,
    table: t.name,
    name: ix.name,
    relkind: ix.relkind,
    isPartition: ix.isPartition,
    method: ix.method,
    keys: ix.positions.slice(0, ix.keys.length),
    include: ix.positions.slice(ix.keys.length),
    predicate: ix.predicate ?? null,
    unique: ix.unique,
    nullsNotDistinct: ix.nullsNotDistinct,
    primary: ix.primary,
    exclusion: ix.exclusion,
    replicaIdentity: ix.replicaIdentity,
    valid: ix.valid,
    ready: ix.ready,
    live: ix.live,
    building: ix.building,
    constraints: ix.constraints.map((c) => ({ type: c.type, name: c.name, table: quoteQualified(c.schema, c.table) })),
    definition: ix.definition,
    bytes: ix.bytes,
    relpages: ix.relpages,
    reltuples: ix.reltuples,
    fillfactor: ix.fillfactor,
    statsLookup: ix.statsLookup,
  };
  if (ix.parentIndex) row.parentIndex = ix.parentIndex;
  return row;
}
