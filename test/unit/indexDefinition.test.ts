import { beforeAll, describe, expect, it } from 'vitest';
import {
  candidateKey,
  columnSql,
  createIndexSql,
  existingIndexCovers,
  indexName,
  normalizeExpr,
} from '../../src/candidates/indexDefinition.js';
import { uniqueName } from '../../src/db/names.js';
import { ensureParser } from '../../src/parse/parser.js';
import type { CatalogIndex, IndexCandidate } from '../../src/types.js';
import { catalogIndex } from '../support/fixtures.js';

beforeAll(() => ensureParser());

const candidate = (over: Partial<IndexCandidate>): IndexCandidate => {
  const c = {
    schema: 'public',
    table: 'posts',
    method: 'btree' as const,
    columns: [{ sql: 'author_id', column: 'author_id' }],
    include: [],
    statementIds: [],
    reasons: [],
    key: '',
    ...over,
  };
  return { ...c, key: candidateKey(c) };
};
const existing = (over: Partial<CatalogIndex>): CatalogIndex => catalogIndex('public', 'ix', { oid: 1, ...over });

describe('index definitions', () => {
  it('spells expressions and predicates one way, whoever printed them', () => {
    expect(normalizeExpr('(deleted_at IS NULL)')).toBe(normalizeExpr('deleted_at IS NULL'));
    expect(normalizeExpr("to_tsvector('english'::regconfig, body)")).toBe(normalizeExpr("(to_tsvector('english', body))"));
    expect(normalizeExpr("(status = 'new'::text)")).toBe(normalizeExpr("status = 'new'"));
    expect(normalizeExpr('lower(email)')).not.toBe(normalizeExpr('upper(email)'));
  });

  it('an existing index covers a candidate that is its prefix, with the same predicate and opclass', () => {
    const partial = existing({
      predicate: '(deleted_at IS NULL)',
      definition: 'CREATE INDEX ix ON public.posts USING btree (author_id) WHERE (deleted_at IS NULL)',
    });
    expect(existingIndexCovers(partial, candidate({ where: 'deleted_at IS NULL' }))).toBe(true);
    expect(existingIndexCovers(partial, candidate({}))).toBe(false); // a partial index does not serve every row
    expect(existingIndexCovers(existing({}), candidate({ where: 'deleted_at IS NULL' }))).toBe(true);
    expect(
      existingIndexCovers(existing({}), candidate({ columns: [{ sql: 'author_id', column: 'author_id', opclass: 'text_pattern_ops' }] })),
    ).toBe(false);
    expect(existingIndexCovers(existing({ valid: false }), candidate({}))).toBe(false);
    const expr = existing({
      keys: [{ expression: 'lower(email)' }],
      definition: 'CREATE INDEX ix ON public.posts USING btree (lower(email))',
    });
    expect(existingIndexCovers(expr, candidate({ columns: [{ sql: '(lower(email))' }] }))).toBe(true);
  });

  it('writes DDL with quoted names, directions, NULLS only where not the default, INCLUDE and WHERE', () => {
    const c = candidate({
      table: 'Audit Log',
      columns: [
        { sql: '"userId"', column: 'userId' },
        { sql: '"createdAt"', column: 'createdAt', descending: true, nullsFirst: false },
      ],
      include: ['note'],
      where: 'deleted_at IS NULL',
    });
    expect(createIndexSql(c, { name: 'a "b"', concurrently: true, ifNotExists: true })).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "a ""b""" ON public."Audit Log" ("userId", "createdAt" DESC NULLS LAST) INCLUDE (note) WHERE deleted_at IS NULL',
    );
    expect(columnSql({ sql: 'x', descending: true, nullsFirst: true })).toBe('x DESC');
    expect(createIndexSql(candidate({ method: 'gin', columns: [{ sql: 'attrs', column: 'attrs', opclass: 'jsonb_path_ops' }] }))).toBe(
      'CREATE INDEX ON public.posts USING gin (attrs jsonb_path_ops)',
    );
  });

  it('names indexes within 63 bytes and uniquely', () => {
    const long = candidate({
      columns: Array.from({ length: 3 }, (_, i) => ({ sql: `c${i}`, column: `a_very_long_column_name_number_${i}` })),
    });
    expect(Buffer.byteLength(indexName(long))).toBeLessThanOrEqual(63);
    const taken = new Set(['posts_author_id_idx']);
    expect(uniqueName('posts_author_id_idx', taken)).toBe('posts_author_id_idx_2');
    expect(taken.has('posts_author_id_idx_2')).toBe(true);
  });
});
