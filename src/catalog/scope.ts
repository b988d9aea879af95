// Which tables of the catalog the advice and the audit look at. The catalog is read once for both
// (./readCatalog.ts), wide enough for either; these views keep each one's own rules, which differ:
// - the advice: tables, partitioned tables and materialized views in every schema but
//   pg_catalog, information_schema, pg_toast* and pg_temp*, extension-owned tables included;
// - the audit: the tables of the schemas asked for (--schema), by default every schema but
//   pg_catalog, information_schema, pg_toast*, pg_temp_* and pg_toast_temp_*, and never a table
//   that belongs to an extension (its indexes are the extension's business).
import type { Catalog, CatalogTable } from '../types.js';

const SYSTEM_SCHEMAS = new Set(['pg_catalog', 'information_schema']);

/** The advice's tables (`nspname NOT LIKE 'pg\_toast%' AND nspname NOT LIKE 'pg\_temp%'`). */
export function inAdviceScope(t: CatalogTable): boolean {
  return (
    (t.relkind === 'r' || t.relkind === 'p' || t.relkind === 'm') &&
    !SYSTEM_SCHEMAS.has(t.schema) &&
    !t.schema.startsWith('pg_toast') &&
    !t.schema.startsWith('pg_temp')
  );
}

/** The schemas the audit looks at when none are named (`nspname !~ '^pg_(toast|temp_|toast_temp_)'`); also the reader's default. */
export function isDefaultAuditSchema(schema: string): boolean {
  return !SYSTEM_SCHEMAS.has(schema) && !/^pg_(toast|temp_|toast_temp_)/.test(schema);
}

/** The audit's tables: those of `schemas` (default: see isDefaultAuditSchema), none owned by an extension. */
export function inAuditScope(t: CatalogTable, schemas: readonly string[] | undefined): boolean {
  return !t.extensionOwned && (schemas ? schemas.includes(t.schema) : isDefaultAuditSchema(t.schema));
}

/** The catalog as the advice sees it. */
export function adviceCatalog(catalog: Catalog): Catalog {
  return { ...catalog, tables: catalog.tables.filter(inAdviceScope) };
}

/** Was `catalog` read wide enough for an audit of `schemas` (undefined: the default schemas)? */
export function catalogCovers(catalog: Catalog, schemas: readonly string[] | undefined): boolean {
  if (catalog.schemas) return !!schemas && schemas.every((s) => catalog.schemas!.includes(s));
  return !schemas || schemas.every(isDefaultAuditSchema);
}
