// The DDL of audit migrations. Every identifier goes through quoteIdent/quoteQualified; index
// definitions come from pg_get_indexdef(), which quotes as the server needs, and are only changed
// between `CREATE [UNIQUE] INDEX` and the table name (CONCURRENTLY / IF NOT EXISTS / ONLY).
import { fitName, uniqueName } from '../db/names.js';
import { quoteIdent, quoteQualified } from '../db/quote.js';
import type { AuditForeignKey, AuditIndex } from './model.js';

/** `CREATE [UNIQUE] INDEX <name> ON [ONLY] <table> ...` as pg_get_indexdef prints it, cut in parts. */
export interface ParsedIndexDef {
  unique: boolean;
  /** The name as printed (already quoted when it needs to be). */
  name: string;
  only: boolean;
  /** Everything after `ON [ONLY] `: the table, USING, columns, INCLUDE, WITH, TABLESPACE, WHERE. */
  rest: string;
}

const INDEX_DEF = /^CREATE (UNIQUE )?INDEX ((?:"(?:[^"]|"")*")|[^\s"]+) ON (ONLY )?([\s\S]*)$/;

export function parseIndexDef(definition: string): ParsedIndexDef | undefined {
  const m = INDEX_DEF.exec(definition.trim());
  if (!m) return undefined;
  return { unique: !!m[1], name: m[2]!, only: !!m[3], rest: m[4]! };
}

/**
 * pg_get_indexdef() text turned into the statement that builds the index again.
 * - leaf indexes: `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ON table ...`
 * - partitioned indexes (relkind 'I'): CONCURRENTLY is not allowed on a partitioned table, and
 *   pg_get_indexdef prints `ON ONLY`, which would build an invalid parent index without the
 *   partitions' indexes: the ONLY is dropped so that the build recurses to every partition.
 */
export function rebuildSql(definition: string, opts: { partitioned: boolean; ifNotExists: boolean }): string {
  const p = parseIndexDef(definition);
  if (!p) throw new Error(`unexpected index definition: ${definition}`);
  const words = [`CREATE ${p.unique ? 'UNIQUE ' : ''}INDEX`];
  if (!opts.partitioned) words.push('CONCURRENTLY');
  if (opts.ifNotExists) words.push('IF NOT EXISTS');
  words.push(p.name, 'ON', p.rest);
  return `${words.join(' ')};`;
}

/** A `--` comment line; line breaks (possible inside quoted identifiers) would end it early. */
export function sqlComment(text: string): string {
  return `-- ${text.replace(/[\r\n]+/g, ' ')}`;
}

export const PARTITIONED_DROP_WARNING =
  '-- WARNING: partitioned index: DROP INDEX CONCURRENTLY is not supported on partitioned indexes. ' +
  'This plain DROP takes an ACCESS EXCLUSIVE lock on the table and all its partitions ' +
  '(lock_timeout bounds the wait; the drop itself is quick).';
export const PARTITIONED_CREATE_WARNING =
  '-- WARNING: partitioned index: CREATE INDEX CONCURRENTLY is not supported on a partitioned table. ' +
  'This plain build blocks writes to every partition while it runs. ' +
  'To avoid that: CREATE INDEX ... ON ONLY the parent, CREATE INDEX CONCURRENTLY on each partition, ' +
  'then ALTER INDEX <parent index> ATTACH PARTITION <partition index> for each.';

/** The statements that drop an index (concurrently where the server allows it). */
export function dropIndexSql(ix: Pick<AuditIndex, 'schema' | 'name' | 'relkind'>): string[] {
  const name = quoteQualified(ix.schema, ix.name);
  if (ix.relkind === 'I') return [PARTITIONED_DROP_WARNING, `DROP INDEX IF EXISTS ${name};`];
  return [`DROP INDEX CONCURRENTLY IF EXISTS ${name};`];
}

/** The statements that build a dropped index again (the down step of a drop). */
export function restoreIndexSql(ix: Pick<AuditIndex, 'definition' | 'relkind'>): string[] {
  const partitioned = ix.relkind === 'I';
  const sql = rebuildSql(ix.definition, { partitioned, ifNotExists: true });
  return partitioned ? [PARTITIONED_CREATE_WARNING, sql] : [sql];
}

export function reindexSql(ix: Pick<AuditIndex, 'schema' | 'name'>): string {
  return `REINDEX INDEX CONCURRENTLY ${quoteQualified(ix.schema, ix.name)};`;
}

/**
 * A name for the index that supports a foreign key: `<table>_<col>_<col>_idx` as PostgreSQL would
 * choose it, cut to 63 bytes (with a hash when cut), and made unique among `taken` the way every
 * new index name is (`_2`, `_3`...: ../db/names.ts). The name is added to `taken`.
 */
export function fkIndexName(fk: Pick<AuditForeignKey, 'table' | 'columns'>, taken: Set<string>): string {
  return uniqueName(fitName([fk.table, ...fk.columns, 'idx'].join('_')), taken);
}

/** CREATE INDEX for a foreign key's referencing columns, and the DROP that undoes it. */
export function fkIndexSql(fk: AuditForeignKey, name: string): { up: string[]; down: string[] } {
  const cols = fk.columns.map(quoteIdent).join(', ');
  const table = quoteQualified(fk.schema, fk.table);
  if (fk.tableKind === 'p') {
    return {
      up: [PARTITIONED_CREATE_WARNING, `CREATE INDEX IF NOT EXISTS ${quoteIdent(name)} ON ${table} (${cols});`],
      down: [PARTITIONED_DROP_WARNING, `DROP INDEX IF EXISTS ${quoteQualified(fk.schema, name)};`],
    };
  }
  return {
    up: [`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${quoteIdent(name)} ON ${table} (${cols});`],
    down: [`DROP INDEX CONCURRENTLY IF EXISTS ${quoteQualified(fk.schema, name)};`],
  };
}
