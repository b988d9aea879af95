// The nightly report's join of advice and audit: a recommended index that also serves a foreign
// key the audit found unindexed is proposed once, and one that an invalid index serves once built
// again is not created beside it. Works on the findings' structured data, and returns new values.
import { describe, expect, it } from 'vitest';
import { reconcileAdviceWithAudit, servesForeignKey } from '../../src/report/reconcile.js';
import type { AuditFinding, AuditResult, IndexCandidate, Recommendation } from '../../src/types.js';
import { catalogIndex, catalogTable } from '../support/fixtures.js';

function rec(table: string, columns: string[], over: Partial<IndexCandidate> = {}): Recommendation {
  const candidate: IndexCandidate = {
    key: `${table}(${columns.join(',')})`,
    schema: 'public',
    table,
    method: 'btree',
    columns: columns.map((c) => ({ sql: c, column: c })),
    include: [],
    statementIds: ['s1'],
    reasons: ['equality on something'],
    ...over,
  };
  return {
    candidate,
    name: `${table}_idx`,
    definition: `CREATE INDEX ${table}_idx ON public.${table} (${columns.join(', ')})`,
    estimatedBytes: 8192,
    benefit: 100,
    writeCost: 1,
    benefitShare: 0.5,
    verified: true,
    verifiedBy: 'hypopg',
    verification: 'hypopg',
    statements: [],
  };
}

function fkFinding(table: string, name: string, columns: string[]): AuditFinding {
  return {
    kind: 'missing-fk-index',
    schema: 'public',
    table,
    action: 'create',
    summary: `Foreign key ${name} has no index.`,
    evidence: { foreignKey: name, columns: columns.join(', '), newIndex: `${table}_${columns.join('_')}_idx` },
    foreignKey: { name, columns },
    upSql: [`CREATE INDEX CONCURRENTLY IF NOT EXISTS x ON public.${table} (${columns.join(', ')});`],
    downSql: ['DROP INDEX CONCURRENTLY IF EXISTS public.x;'],
  };
}

function auditOf(findings: AuditFinding[]): AuditResult {
  return {
    generatedAt: '2024-01-01T00:00:00.000Z',
    targets: ['postgresql://h/db'],
    serverVersion: 15,
    statsAgeSeconds: 0,
    findings,
    kept: [],
    warnings: [],
  };
}

describe('reconcileAdviceWithAudit', () => {
  it('credits the recommendation with the foreign key and drops the audit finding, without touching its inputs', () => {
    const recs = [rec('orders', ['status']), rec('order_items', ['order_id', 'product_id', 'qty'])];
    const unused: AuditFinding = {
      ...fkFinding('orders', 'x', ['y']),
      kind: 'unused',
      action: 'drop',
      foreignKey: undefined,
      index: 'orders_old',
    };
    const audit = auditOf([
      fkFinding('order_items', 'order_items_product_fkey', ['product_id', 'order_id']),
      fkFinding('reviews', 'reviews_customer_fkey', ['customer_id']),
      unused,
    ]);
    const before = structuredClone({ recs, audit });

    const out = reconcileAdviceWithAudit(recs, audit);
    expect(out.recommendations[1]!.candidate.reasons).toEqual([
      'equality on something',
      'also indexes foreign key order_items_product_fkey (the audit found it unindexed)',
    ]);
    expect(out.recommendations[0]).toBe(recs[0]); // untouched ones are passed through
    expect(out.audit.findings.map((f) => `${f.kind}:${f.table}`)).toEqual(['missing-fk-index:reviews', 'unused:orders']);
    expect({ recs, audit }).toEqual(before);
  });

  it('two foreign keys served by one recommendation both say so', () => {
    const recs = [rec('t', ['a', 'b'])];
    const out = reconcileAdviceWithAudit(recs, auditOf([fkFinding('t', 'fk_a', ['a']), fkFinding('t', 'fk_ab', ['b', 'a'])]));
    expect(out.audit.findings).toEqual([]);
    expect(out.recommendations[0]!.candidate.reasons.slice(1)).toEqual([
      'also indexes foreign key fk_a (the audit found it unindexed)',
      'also indexes foreign key fk_ab (the audit found it unindexed)',
    ]);
  });

  it('reads the columns from the structured foreign key, not from the display text', () => {
    // A column whose name holds ", " would be two columns if the evidence text were split.
    const recs = [rec('t', ['x, y'])];
    const out = reconcileAdviceWithAudit(recs, auditOf([fkFinding('t', 'fk', ['x, y'])]));
    expect(out.audit.findings).toEqual([]);
    // A finding without the structured field (an older audit.json) is left alone.
    const old = { ...fkFinding('t', 'fk', ['x, y']), foreignKey: undefined };
    expect(reconcileAdviceWithAudit(recs, auditOf([old])).audit.findings).toHaveLength(1);
  });

  it('only a plain b-tree whose leading keys are the foreign key columns serves it', () => {
    const fk = ['a', 'b'];
    expect(servesForeignKey(rec('t', ['b', 'a', 'c']), 'public', 't', fk)).toBe(true);
    expect(servesForeignKey(rec('t', ['a', 'c', 'b']), 'public', 't', fk)).toBe(false); // not leading
    expect(servesForeignKey(rec('t', ['a']), 'public', 't', fk)).toBe(false); // too narrow
    expect(servesForeignKey(rec('t', ['a', 'a']), 'public', 't', fk)).toBe(false);
    expect(servesForeignKey(rec('t', ['a', 'b'], { where: 'a > 0' }), 'public', 't', fk)).toBe(false);
    expect(servesForeignKey(rec('t', ['a', 'b'], { method: 'hash' }), 'public', 't', fk)).toBe(false);
    expect(servesForeignKey(rec('u', ['a', 'b']), 'public', 't', fk)).toBe(false);
    expect(servesForeignKey(rec('t', ['a', 'b']), 'other', 't', fk)).toBe(false);
  });

  it('strikes out a recommendation that an invalid index serves once built again, and rebuilds an uncertain one', () => {
    const invalidFinding = (index: string, decision: string, over: Partial<AuditFinding['evidence']> = {}): AuditFinding => ({
      kind: 'invalid',
      schema: 'public',
      table: 'posts',
      index,
      action: decision === 'uncertain' ? 'review' : 'drop-and-recreate',
      summary: `Index public.${index} is invalid.`,
      evidence: { decision, unique: false, definition: `CREATE INDEX ${index} ON public.posts USING btree (author_id)`, ...over },
      upSql: ['-- commented'],
      downSql: [],
    });
    const catalog = {
      tables: [
        catalogTable('public', 'posts', {
          indexes: [catalogIndex('public', 'posts_author_id_idx', { valid: false })],
        }),
      ],
    } as unknown as Parameters<typeof reconcileAdviceWithAudit>[2];
    const recs = [rec('posts', ['author_id']), rec('posts', ['title'])];
    const out = reconcileAdviceWithAudit(recs, auditOf([invalidFinding('posts_author_id_idx', 'uncertain')]), catalog);
    expect(out.recommendations.map((r) => r.candidate.columns[0]!.column)).toEqual(['title']);
    expect(out.struckOut).toEqual([
      { definition: recs[0]!.definition, reason: expect.stringMatching(/audit builds the INVALID public.posts_author_id_idx again/) },
    ]);
    const f = out.audit.findings[0]!;
    expect(f.action).toBe('drop-and-recreate');
    expect(f.evidence.decision).toBe('rebuild');
    expect(f.upSql).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_id_idx;',
      'CREATE INDEX CONCURRENTLY posts_author_id_idx ON public.posts USING btree (author_id);',
    ]);
    // an invalid UNIQUE index whose duplicate keys were not checked is not relied on
    const unchecked = invalidFinding('posts_author_id_idx', 'uncertain', { unique: true });
    const kept = reconcileAdviceWithAudit(recs, auditOf([unchecked]), catalog);
    expect(kept.recommendations).toHaveLength(2);
    expect(kept.audit.findings[0]).toEqual(unchecked);
    // a dropped one (valid twin, duplicate keys) serves nothing
    expect(reconcileAdviceWithAudit(recs, auditOf([invalidFinding('posts_author_id_idx', 'drop')]), catalog).recommendations).toHaveLength(
      2,
    );
  });

  it('renames a recommendation that has the name of an index the audit creates', () => {
    const r = { ...rec('posts', ['title']), name: 'posts_x_idx' };
    const created: AuditFinding = {
      kind: 'mostly-null-index',
      schema: 'public',
      table: 'posts',
      index: 'posts_y',
      action: 'replace',
      summary: 'replaced',
      evidence: {},
      upSql: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_x_idx ON public.posts (y) WHERE (y IS NOT NULL);'],
      downSql: [],
    };
    const out = reconcileAdviceWithAudit([r, rec('posts', ['z'])], auditOf([created]));
    expect(out.recommendations.map((x) => [x.name, x.definition])).toEqual([
      ['posts_x_idx_2', 'CREATE INDEX posts_x_idx_2 ON public.posts (title)'],
      ['posts_idx', 'CREATE INDEX posts_idx ON public.posts (z)'],
    ]);
  });

  it('drops an invalid index it would rebuild for a foreign key when a recommendation serves that key', () => {
    const fkRebuild: AuditFinding = {
      kind: 'invalid',
      schema: 'public',
      table: 'posts',
      index: 'posts_author_id_idx',
      action: 'drop-and-recreate',
      summary: 'rebuild',
      evidence: {
        decision: 'rebuild',
        unique: false,
        definition: 'CREATE INDEX posts_author_id_idx ON public.posts USING btree (author_id)',
      },
      foreignKey: { name: 'posts_author_id_fkey', columns: ['author_id'] },
      bytes: 8192,
      upSql: [
        'DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_id_idx;',
        'CREATE INDEX CONCURRENTLY posts_author_id_idx ON public.posts USING btree (author_id);',
      ],
      downSql: [],
    };
    const covering = rec('posts', ['author_id'], { include: ['body'] });
    const out = reconcileAdviceWithAudit([covering], auditOf([fkRebuild]));
    expect(out.recommendations[0]!.candidate.reasons).toContain(
      'also indexes foreign key posts_author_id_fkey (instead of the INVALID public.posts_author_id_idx, which the audit drops)',
    );
    expect(out.audit.findings[0]!.action).toBe('drop');
    expect(out.audit.findings[0]!.upSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_id_idx;']);
    // a recommendation on other columns leaves the rebuild alone
    expect(reconcileAdviceWithAudit([rec('posts', ['title'])], auditOf([fkRebuild])).audit.findings[0]).toEqual(fkRebuild);
  });
});
