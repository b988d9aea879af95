// What every audit check asks of an index: can it serve queries, may it be dropped, which indexes
// serve a foreign key; and how findings spell the names they mention. Shared by the judgement of
// ./analyze.ts and the schema checks of ./checks.ts.
import { quoteIdent, quoteQualified } from '../db/quote.js';
import type { AuditForeignKey, AuditIndex } from './model.js';

// References in summaries, evidence and `kept` are spelled as SQL would (quoted where needed), so
// that a name with a dot, a space or a quote in it stays unambiguous.
export const q = (ix: { schema: string; name: string }) => quoteQualified(ix.schema, ix.name);
export const tq = (ix: { schema: string; table: string }) => quoteQualified(ix.schema, ix.table);

/** Can the index be compared with others and serve queries? (built, valid, not half-dropped) */
export function usable(ix: AuditIndex): boolean {
  return ix.valid && ix.ready && ix.live && !ix.building;
}

/** Why an index must never be dropped (constraint, replica identity), or undefined. */
export function constraintProtection(ix: AuditIndex): string | undefined {
  const reasons: string[] = [];
  for (const c of ix.constraints) {
    if (c.type === 'p') reasons.push(`backs primary key constraint "${c.name}"`);
    else if (c.type === 'u') reasons.push(`backs unique constraint "${c.name}"`);
    else if (c.type === 'x') reasons.push(`backs exclusion constraint "${c.name}"`);
    else if (c.type === 'f') reasons.push(`foreign key "${c.name}" on ${c.table} references it`);
  }
  if (ix.primary && !ix.constraints.some((c) => c.type === 'p')) reasons.push('is the primary key');
  if (ix.exclusion && !ix.constraints.some((c) => c.type === 'x')) reasons.push('backs an exclusion constraint');
  if (ix.replicaIdentity) reasons.push('is the replica identity of the table (logical replication identifies rows by it)');
  return reasons.length ? reasons.join('; ') : undefined;
}

/** Constraint protection, or the uniqueness a unique index enforces even when no query scans it. */
export function dropProtection(ix: AuditIndex): string | undefined {
  return (
    constraintProtection(ix) ??
    (ix.unique ? 'enforces uniqueness (a unique index: inserts and updates check it, whatever the scan count says)' : undefined)
  );
}

function leadingColumnsMatch(ix: AuditIndex, attnums: number[]): boolean {
  if (ix.keys.length < attnums.length) return false;
  const lead = ix.keys.slice(0, attnums.length).map((k) => k.attnum);
  if (lead.some((a) => a === 0)) return false;
  const want = new Set(attnums);
  return new Set(lead).size === want.size && lead.every((a) => want.has(a));
}

/** The predicate of a partial index on `column IS NOT NULL`, as pg_get_expr prints it. */
export function notNullPredicate(column: string): string {
  return `(${quoteIdent(column)} IS NOT NULL)`;
}

/**
 * Indexes that let the referencing side of a foreign key be searched by its columns: full ones, or
 * partial on `<an FK column> IS NOT NULL` (the foreign key's own look-up, `col = $1`, implies it,
 * and rows with a NULL there reference nothing).
 */
export function fkSupporters(fk: AuditForeignKey, indexes: AuditIndex[], dropped: ReadonlySet<number> = new Set()): AuditIndex[] {
  return indexes.filter(
    (ix) =>
      ix.tableOid === fk.tableOid &&
      usable(ix) &&
      !dropped.has(ix.oid) &&
      (ix.predicate === null || fk.columns.some((c) => ix.predicate === notNullPredicate(c))) &&
      (ix.method === 'btree' || (ix.method === 'hash' && fk.attnums.length === 1)) &&
      leadingColumnsMatch(ix, fk.attnums),
  );
}
