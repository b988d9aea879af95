// Shared vocabulary for candidate indexes: a stable key, a readable name and the DDL text.
import { fitName } from '../db/names.js';
import { quoteIdent, quoteQualified } from '../db/quote.js';
import { asNode, type Node, walk } from '../parse/ast.js';
import { deparse, parseSql } from '../parse/parser.js';
import type { CatalogIndex, IndexCandidate, IndexColumn } from '../types.js';

export function columnSql(c: IndexColumn): string {
  let s = c.sql;
  if (c.opclass) s += ` ${c.opclass}`;
  if (c.descending) s += ' DESC';
  // Only spell NULLS out where it differs from the direction's default (ASC → LAST, DESC → FIRST).
  if (c.nullsFirst !== undefined && c.nullsFirst !== Boolean(c.descending)) s += c.nullsFirst ? ' NULLS FIRST' : ' NULLS LAST';
  return s;
}

export function candidateKey(c: Pick<IndexCandidate, 'schema' | 'table' | 'method' | 'columns' | 'include' | 'where'>): string {
  return [
    `${c.schema}.${c.table}`,
    c.method,
    c.columns.map(columnSql).join(','),
    c.include.length ? `include(${c.include.join(',')})` : '',
    c.where ? `where ${c.where}` : '',
  ].join('|');
}

/** `orders (customer_id) INCLUDE (total) WHERE …`: a candidate as a person reads it in a sentence. */
export function describeIndex(c: Pick<IndexCandidate, 'table' | 'method' | 'columns' | 'include' | 'where'>): string {
  return (
    `${c.table}${c.method === 'btree' ? '' : ` USING ${c.method}`} (${c.columns.map(columnSql).join(', ')})` +
    (c.include.length ? ` INCLUDE (${c.include.join(', ')})` : '') +
    (c.where ? ` WHERE ${c.where}` : '')
  );
}

/**
 * `orders_customer_id_created_at_idx`; long names are cut to PostgreSQL's 63 bytes with a hash of
 * the candidate's key to stay unique (../db/names.ts; uniqueName there keeps it clear of taken names).
 */
export function indexName(c: Pick<IndexCandidate, 'table' | 'columns' | 'method' | 'where' | 'include'> & { key?: string }): string {
  const parts = c.columns.map((col) => (col.column ?? col.sql.replace(/[^A-Za-z0-9]+/g, '_')) + (col.opclass ? `_${col.opclass}` : ''));
  const suffix = c.method === 'btree' ? 'idx' : `${c.method}_idx`;
  const base = [c.table, ...parts, ...(c.where ? ['partial'] : []), ...(c.include.length ? ['incl'] : []), suffix]
    .join('_')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/^_|_$/g, '');
  return fitName(base, c.key ?? base);
}

/** CREATE INDEX text without a name (for hypopg) or with one (for the migration). */
export function createIndexSql(
  c: IndexCandidate,
  opts: { name?: string; concurrently?: boolean; ifNotExists?: boolean; only?: boolean } = {},
): string {
  const words = ['CREATE INDEX'];
  if (opts.concurrently) words.push('CONCURRENTLY');
  if (opts.ifNotExists) words.push('IF NOT EXISTS');
  if (opts.name) words.push(quoteIdent(opts.name));
  words.push(opts.only ? 'ON ONLY' : 'ON', quoteQualified(c.schema, c.table));
  if (c.method !== 'btree') words.push('USING', c.method);
  let sql = `${words.join(' ')} (${c.columns.map(columnSql).join(', ')})`;
  if (c.include.length) sql += ` INCLUDE (${c.include.map(quoteIdent).join(', ')})`;
  if (c.where) sql += ` WHERE ${c.where}`;
  return sql;
}

/**
 * True when an existing index already serves everything the candidate would: same method, the
 * candidate's keys are a leading prefix of the index's keys (same directions), its INCLUDE columns
 * are in the index, and the index is not partial unless it has the very same predicate. With
 * `skip`, the candidate's keys follow the index's first `skip` keys instead (a skip scan, ./skipScan.ts).
 */
export function existingIndexCovers(existing: CatalogIndex, c: IndexCandidate, skip = 0): boolean {
  if (!existing.valid || existing.method !== c.method) return false;
  // A full index also serves a partial candidate's statements: a second, smaller index beside a
  // usable one is rarely worth its upkeep. A partial index serves only its own predicate.
  if (existing.predicate && normalizeExpr(existing.predicate) !== normalizeExpr(c.where)) return false;
  if (skip + c.columns.length > existing.keys.length) return false;
  const existingDirs = parseKeyDirections(existing.definition);
  for (let i = 0; i < c.columns.length; i++) {
    const want = c.columns[i]!;
    const have = existing.keys[skip + i]!;
    if (want.column !== undefined ? have.column !== want.column : normalizeExpr(have.expression) !== normalizeExpr(want.sql)) return false;
    if ((existing.opclasses[skip + i] ?? undefined) !== want.opclass) return false;
    const dir = existingDirs[skip + i];
    if (
      c.method === 'btree' &&
      dir &&
      (dir.descending !== Boolean(want.descending) || dir.nullsFirst !== (want.nullsFirst ?? Boolean(want.descending)))
    ) {
      // A backward scan serves the fully reversed order; only single-column candidates may use that freely.
      if (c.columns.length > 1) return false;
    }
  }
  const covered = new Set([...existing.keys.map((k) => k.column), ...existing.include]);
  return c.include.every((col) => covered.has(col));
}

/**
 * One spelling for an expression or predicate, so that ours (`deleted_at IS NULL`,
 * `to_tsvector('english', body)`) and the server's (`(deleted_at IS NULL)`,
 * `to_tsvector('english'::regconfig, body)`) compare equal: parsed, casts of constants dropped,
 * printed back.
 */
export function normalizeExpr(s: string | undefined): string {
  if (!s) return '';
  const parsed = parseSql(`SELECT ${s}`);
  const select = parsed.ok ? asNode(parsed.stmts[0], 'SelectStmt') : undefined;
  const target = asNode(select?.targetList?.[0], 'ResTarget')?.val;
  if (!target)
    return s
      .replace(/^\((.*)\)$/, '$1')
      .replace(/\s+/g, '')
      .toLowerCase();
  const copy = structuredClone({ v: target });
  walk(copy, (_type, body) => {
    // Any field of any node may hold a cast constant.
    const fields = body as Record<string, unknown>;
    for (const [k, v] of Object.entries(fields)) {
      const constant = castConstant(v);
      if (constant) fields[k] = constant;
      const items: unknown[] = Array.isArray(v) ? v : [];
      items.forEach((x, i) => {
        const c = castConstant(x);
        if (c) items[i] = c;
      });
    }
  });
  return deparse(castConstant(copy.v) ?? copy.v);
}

/** The constant of `'abc'::text`; undefined for anything else. */
function castConstant(node: unknown): Node | undefined {
  const arg = asNode(node, 'TypeCast')?.arg;
  return asNode(arg, 'A_Const') ? arg : undefined;
}

/** Reads DESC / NULLS FIRST per key from pg_get_indexdef's `(...)` list. */
export function parseKeyDirections(definition: string): Array<{ descending: boolean; nullsFirst: boolean }> {
  const open = definition.indexOf('(');
  if (open < 0) return [];
  let depth = 0;
  let current = '';
  const parts: string[] = [];
  let inQuote = false;
  for (let i = open + 1; i < definition.length; i++) {
    const ch = definition[i]!;
    if (ch === '"') inQuote = !inQuote;
    if (!inQuote) {
      if (ch === '(') depth++;
      if (ch === ')') {
        if (depth === 0) {
          parts.push(current);
          break;
        }
        depth--;
      }
      if (ch === ',' && depth === 0) {
        parts.push(current);
        current = '';
        continue;
      }
    }
    current += ch;
  }
  return parts.map((p) => {
    const descending = /\bDESC\b(?=[^"]*$)/.test(p);
    const nullsFirst = /\bNULLS FIRST\b/.test(p) ? true : /\bNULLS LAST\b/.test(p) ? false : descending;
    return { descending, nullsFirst };
  });
}
