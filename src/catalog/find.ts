// Finding the table a statement names in the catalog, as the server would resolve the name. Pure
// (no database code), so every stage may use it. The lookup maps are built once per catalog and
// kept beside it (rebuilt only if its `tables` array is replaced or grows).
import type { Catalog, CatalogTable, ParsedStatement } from '../types.js';

interface TableLookup {
  /** What the maps were built from. */
  tables: CatalogTable[];
  count: number;
  bySchemaAndName: Map<string, CatalogTable>;
  byName: Map<string, CatalogTable[]>;
}

const lookups = new WeakMap<Catalog, TableLookup>();

const key = (schema: string, name: string) => `${schema}\u0000${name}`;

function lookupOf(catalog: Catalog): TableLookup {
  const cached = lookups.get(catalog);
  if (cached && cached.tables === catalog.tables && cached.count === catalog.tables.length) return cached;
  const bySchemaAndName = new Map<string, CatalogTable>();
  const byName = new Map<string, CatalogTable[]>();
  for (const t of catalog.tables) {
    const k = key(t.schema, t.name);
    if (!bySchemaAndName.has(k)) bySchemaAndName.set(k, t);
    const same = byName.get(t.name);
    if (same) same.push(t);
    else byName.set(t.name, [t]);
  }
  const built = { tables: catalog.tables, count: catalog.tables.length, bySchemaAndName, byName };
  lookups.set(catalog, built);
  return built;
}

/**
 * The table a statement names. A qualified name is looked up as it is; an unqualified one in the
 * schemas of the session's search_path, in order, as the server would; failing that, the one
 * table of that name in any schema, if there is exactly one.
 */
export function findTable(catalog: Catalog, schema: string | undefined, name: string): CatalogTable | undefined {
  const { bySchemaAndName, byName } = lookupOf(catalog);
  if (schema) return bySchemaAndName.get(key(schema, name));
  for (const s of catalog.searchPath) {
    const t = bySchemaAndName.get(key(s, name));
    if (t) return t;
  }
  const matches = byName.get(name);
  return matches?.length === 1 ? matches[0] : undefined;
}

/** The tables (`schema.table`) each statement reads, resolved against the catalog's search_path. */
export function tablesRead(statements: ParsedStatement[], catalog: Catalog): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const p of statements) {
    const set = new Set<string>();
    for (const t of p.tables) {
      const ct = findTable(catalog, t.schema, t.table);
      if (ct) set.add(`${ct.schema}.${ct.name}`);
    }
    out.set(p.id, set);
  }
  return out;
}
