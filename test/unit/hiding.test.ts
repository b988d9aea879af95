// Replacing and dropping indexes, proven by hiding them (hypopg 1.4+): which existing index a new
// one may replace, the 10 % rule, the audit's drops turned into `review` when the planner
// disagrees, the migration's order, and the reconciliation with the audit. Pure, with a costing
// that answers from a table (test/hide.test.ts does it against a real server through the CLI).
import { describe, expect, it } from 'vitest';
import { confirmByHiding } from '../../src/audit/confirmByHiding.js';
import { indexMigrations, migrationDown, migrationUp } from '../../src/report/migration.js';
import { migrationFiles } from '../../src/report/migrationFormats.js';
import { reconcileAdviceWithAudit } from '../../src/report/reconcile.js';
import type { Costing } from '../../src/select/costing.js';
import { findReplacements, mayReplace, slowerWhenHidden } from '../../src/select/replacements.js';
import type {
  AdviceResult,
  AuditFinding,
  AuditResult,
  Catalog,
  ChosenIndex,
  CostOutcome,
  IndexCandidate,
  ParsedStatement,
  Recommendation,
} from '../../src/types.js';
import { candidate, catalogIndex, catalogTable } from '../support/fixtures.js';

const X = catalogIndex('public', 'posts_author_idx', { oid: 501 });

/** Per statement: its cost with every index, and with index 501 hidden (null: cannot be planned then). */
function tableCosting(costs: Record<string, [number, number | null]>, canHide = true): Costing & { hiddenAsked: number[][] } {
  const hiddenAsked: number[][] = [];
  return {
    connections: 1,
    sizes: new Map(),
    rejected: new Map(),
    canHide,
    hiddenAsked,
    async estimateSizes() {},
    async costs(statements: ParsedStatement[], _config: IndexCandidate[], opts?: { hidden?: readonly number[] }) {
      hiddenAsked.push([...(opts?.hidden ?? [])]);
      const out = new Map<string, CostOutcome>();
      for (const s of statements) {
        const [withIt, hidden] = costs[s.id]!;
        const cost = opts?.hidden?.includes(501) ? hidden : withIt;
        out.set(s.id, cost === null ? { ok: false, error: 'no plan' } : { ok: true, cost, indexesUsed: [], scans: [] });
      }
      return out;
    },
  };
}

const stmts = (...ids: string[]) => ids.map((id) => ({ id }) as ParsedStatement);
const onPosts = (...ids: string[]) => new Map(ids.map((id) => [id, new Set(['public.posts'])]));

describe('mayReplace: an existing index whose keys lead a wider or partial new one', () => {
  it('(author_id) by (author_id, created_at), or by a partial (author_id)', () => {
    expect(mayReplace(X, candidate('posts', ['author_id', 'created_at']))).toBe(true);
    expect(mayReplace(X, candidate('posts', ['author_id'], { where: 'NOT deleted' }))).toBe(true);
    expect(mayReplace(X, candidate('posts', ['author_id'], { include: ['title'] }))).toBe(true);
  });

  it('not the same index again, nor one led by another column', () => {
    expect(mayReplace(X, candidate('posts', ['author_id']))).toBe(false);
    expect(mayReplace(X, candidate('posts', ['created_at', 'author_id']))).toBe(false);
    expect(mayReplace(X, candidate('posts', ['author_id', 'x'], { method: 'hash' }))).toBe(false);
  });

  it('never an index that enforces or backs something, a partial one, a descending one, or one whose INCLUDE the new one lacks', () => {
    const y = candidate('posts', ['author_id', 'created_at']);
    expect(mayReplace({ ...X, unique: true }, y)).toBe(false);
    expect(mayReplace({ ...X, constraints: [{ type: 'f', name: 'fk', schema: 'public', table: 'c' }] }, y)).toBe(false);
    expect(mayReplace({ ...X, replicaIdentity: true }, y)).toBe(false);
    expect(mayReplace({ ...X, predicate: '(author_id > 0)' }, y)).toBe(false);
    expect(mayReplace({ ...X, positions: [{ ...X.positions[0]!, option: 1 }] }, y)).toBe(false);
    expect(mayReplace({ ...X, include: ['title'] }, y)).toBe(false);
    expect(mayReplace({ ...X, valid: false }, y)).toBe(false);
  });
});

describe('slowerWhenHidden: the 10 % rule', () => {
  it('lists what is more than 10 % dearer, and what cannot be planned without the index', () => {
    const ok = (cost: number): CostOutcome => ({ ok: true, cost, indexesUsed: [], scans: [] });
    const withIt = new Map([
      ['a', ok(100)],
      ['b', ok(100)],
      ['c', ok(100)],
      ['d', { ok: false as const, error: 'x' }],
    ]);
    const hidden = new Map([
      ['a', ok(110)],
      ['b', ok(111)],
      ['c', { ok: false as const, error: 'x' }],
      ['d', ok(1)],
    ]);
    const check = slowerWhenHidden(['a', 'b', 'c', 'd'], withIt, hidden, (id) => `q${id}`, 'x');
    expect(check.statementsCosted).toBe(3);
    expect(check.slower.map((s) => [s.statementId, s.query, s.costWith, s.costHidden])).toEqual([
      ['b', 'qb', 100, 111],
      ['c', 'qc', 100, Number.POSITIVE_INFINITY],
    ]);
  });
});

describe('findReplacements', () => {
  const y = candidate('posts', ['author_id', 'created_at']);
  const chosen: ChosenIndex = { candidate: y, bytes: 1, benefit: 10, writeCost: 0, statements: [], verification: { kind: 'hypopg' } };
  const input = (ids: string[]) => ({
    statements: stmts(...ids),
    chosen: [chosen],
    tables: [catalogTable('public', 'posts', { indexes: [X] })],
    tablesOf: onPosts(...ids),
    queryOf: (id: string) => `SELECT ${id}`,
  });

  it('replaces when hiding the index with the new one in place makes nothing more than 10 % dearer', async () => {
    const costing = tableCosting({ s1: [100, 105], s2: [50, 50] });
    const found = await findReplacements(input(['s1', 's2']), costing);
    expect(found.replaces.get(y.key)).toMatchObject({
      schema: 'public',
      index: 'posts_author_idx',
      check: { statementsCosted: 2, slower: [] },
    });
    expect(costing.hiddenAsked).toContainEqual([501]);
  });

  it('keeps it, and says why with the figures, when a statement would be dearer', async () => {
    const found = await findReplacements(input(['s1', 's2']), tableCosting({ s1: [100, 105], s2: [50, 80] }));
    expect(found.replaces.size).toBe(0);
    expect(found.kept.get(y.key)?.[0]).toMatch(
      /"?public"?\.posts_author_idx stays .*1 of 2 statement\(s\) would be more than 10 % dearer: `SELECT s2` \(50\.00 → 80\.00\)/,
    );
  });

  it('asks nothing where hypopg cannot hide', async () => {
    const costing = tableCosting({ s1: [100, 100] }, false);
    const found = await findReplacements(input(['s1']), costing);
    expect(found.replaces.size + found.kept.size).toBe(0);
    expect(costing.hiddenAsked).toEqual([]);
  });
});

describe('confirmByHiding: the audit’s drops', () => {
  const finding = (kind: AuditFinding['kind']): AuditFinding => ({
    kind,
    schema: 'public',
    table: 'posts',
    index: 'posts_author_idx',
    action: 'drop',
    summary: 'Unused.',
    evidence: {},
    bytes: 8192,
    reclaimableBytes: 8192,
    upSql: ['DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_idx;'],
    downSql: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_idx ON public.posts USING btree (author_id);'],
  });
  const catalog = { tables: [catalogTable('public', 'posts', { indexes: [X] })] } as Catalog;
  const input = { catalog, statements: stmts('s1'), tablesOf: onPosts('s1'), queryOf: (id: string) => `SELECT ${id}` };

  it('confirmed: no statement slower, the drop stays', async () => {
    const [f] = await confirmByHiding([finding('duplicate')], input, tableCosting({ s1: [10, 10.5] }));
    expect(f).toMatchObject({ action: 'drop', confirmedByHiding: { statementsCosted: 1, slower: [], against: "today's indexes" } });
  });

  it('not confirmed: review, its SQL as comments, nothing given back, the statement listed', async () => {
    const [f] = await confirmByHiding([finding('unused')], input, tableCosting({ s1: [10, 40] }));
    expect(f!.action).toBe('review');
    expect(f!.upSql).toEqual(['-- DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_idx;']);
    expect(f!.downSql.every((l) => l.startsWith('-- '))).toBe(true);
    expect(f!.reclaimableBytes).toBeUndefined();
    expect(f!.confirmedByHiding!.slower).toMatchObject([{ statementId: 's1', costWith: 10, costHidden: 40 }]);
  });

  it('two drops on one table, each harmless alone but not together: the second stays for review and says why', async () => {
    const Y = catalogIndex('public', 'posts_author_copy', { oid: 502 });
    const both = { ...input, catalog: { tables: [catalogTable('public', 'posts', { indexes: [X, Y] })] } as Catalog };
    // s1 needs one of the two: hiding either alone costs nothing, hiding both makes it 4x dearer.
    const costing: Costing = {
      ...tableCosting({}),
      async costs(statements: ParsedStatement[], _config: IndexCandidate[], opts?: { hidden?: readonly number[] }) {
        const hidden = opts?.hidden ?? [];
        const cost = hidden.includes(501) && hidden.includes(502) ? 40 : 10;
        return new Map(statements.map((s) => [s.id, { ok: true as const, cost, indexesUsed: [], scans: [] }]));
      },
    };
    const second = {
      ...finding('unused'),
      index: 'posts_author_copy',
      upSql: ['DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_copy;'],
    };
    const [a, b] = await confirmByHiding([finding('unused'), second], both, costing);
    expect(a).toMatchObject({ action: 'drop', confirmedByHiding: { slower: [] } });
    expect(b).toMatchObject({ action: 'review', confirmedByHiding: { against: "today's indexes without posts_author_idx" } });
    expect(b!.confirmedByHiding!.slower).toMatchObject([{ statementId: 's1', costWith: 10, costHidden: 40 }]);
    expect(b!.summary).toMatch(/as well as posts_author_idx \(dropped by this audit\)/);
    expect(b!.upSql).toEqual(['-- DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_copy;']);
  });

  it('other findings, and hypopg without hiding, leave everything as it was', async () => {
    const bloated = { ...finding('bloated'), action: 'reindex' as const };
    expect(await confirmByHiding([bloated], input, tableCosting({ s1: [10, 40] }))).toEqual([bloated]);
    expect(await confirmByHiding([finding('unused')], input, tableCosting({ s1: [10, 40] }, false))).toEqual([finding('unused')]);
  });
});

describe('the migration of a replacement, and the audit', () => {
  const rec: Recommendation = {
    candidate: candidate('posts', ['author_id', 'created_at'], { reasons: ['equality then ORDER BY'] }),
    name: 'posts_author_id_created_at_idx',
    definition: 'CREATE INDEX posts_author_id_created_at_idx ON public.posts (author_id, created_at)',
    estimatedBytes: 8192,
    benefit: 10,
    writeCost: 0,
    benefitShare: 0.5,
    verified: true,
    verifiedBy: 'hypopg',
    verification: 'hypopg',
    statements: [],
    replaces: {
      schema: 'public',
      index: 'posts_author_idx',
      definition: X.definition,
      bytes: 8192,
      check: { statementsCosted: 2, slower: [], against: 'the recommended indexes' },
    },
  };
  const result = { generatedAt: 'now', target: 't', serverVersion: 17, recommendations: [rec] } as unknown as AdviceResult;
  const lines = (sql: string) => sql.split('\n').filter((l) => l && !l.startsWith('--'));

  it('up: build, check it is valid, then drop the old one; down: the old one back and checked, then the new one dropped', () => {
    const up = lines(migrationUp(result));
    const build = up.findIndex((l) => l.startsWith('CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_id_created_at_idx'));
    const check = up.findIndex((l) => l.startsWith('DO $pgia$') && l.includes("to_regclass('public.posts_author_id_created_at_idx')"));
    const drop = up.indexOf('DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_idx;');
    expect([build >= 0, check > build, drop > check]).toEqual([true, true, true]);
    const down = lines(migrationDown(result));
    const restore = down.indexOf('CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_idx ON public.posts USING btree (author_id);');
    const checked = down.findIndex((l) => l.includes("to_regclass('public.posts_author_idx')"));
    const dropNew = down.indexOf('DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_id_created_at_idx;');
    expect([restore >= 0, checked > restore, dropNew > checked]).toEqual([true, true, true]);
  });

  it('golang-migrate: one statement a step, each with its own way back', () => {
    const files = migrationFiles('golang-migrate', indexMigrations(result), '2026-01-01T00:00:00Z');
    const body = (path: string) =>
      files
        .find((f) => f.path.endsWith(path))!
        .text.split('\n')
        .filter((l) => l && !l.startsWith('--'))
        .join('\n');
    expect(files.map((f) => f.path.replace(/^golang-migrate\/\d+_/, ''))).toEqual([
      'create_posts_author_id_created_at_idx_step1.up.sql',
      'create_posts_author_id_created_at_idx_step1.down.sql',
      'create_posts_author_id_created_at_idx_step2.up.sql',
      'create_posts_author_id_created_at_idx_step2.down.sql',
      'create_posts_author_id_created_at_idx_step3.up.sql',
      'create_posts_author_id_created_at_idx_step3.down.sql',
    ]);
    expect(body('step1.up.sql')).toMatch(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_id_created_at_idx /);
    expect(body('step1.down.sql')).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_id_created_at_idx;');
    expect(body('step2.up.sql')).toMatch(/^DO \$pgia\$.*to_regclass\('public\.posts_author_id_created_at_idx'\)/);
    expect(body('step2.down.sql')).toMatch(/^DO \$pgia\$.*to_regclass\('public\.posts_author_idx'\)/);
    expect(body('step3.up.sql')).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.posts_author_idx;');
    expect(body('step3.down.sql')).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS posts_author_idx ON public.posts USING btree (author_id);',
    );
  });

  it('an index the audit drops anyway is dropped once, by the audit', () => {
    const audit = {
      findings: [
        {
          kind: 'redundant',
          schema: 'public',
          table: 'posts',
          index: 'posts_author_idx',
          action: 'drop',
          summary: '',
          evidence: {},
          upSql: [],
          downSql: [],
        },
      ],
      kept: [],
      warnings: [],
    } as unknown as AuditResult;
    const [r] = reconcileAdviceWithAudit([rec], audit).recommendations;
    expect(r!.replaces).toBeUndefined();
    expect(r!.candidate.reasons.at(-1)).toMatch(/makes public\.posts_author_idx unnecessary, which the audit drops \(redundant\)/);
    expect(reconcileAdviceWithAudit([rec], { ...audit, findings: [] }).recommendations[0]!.replaces).toBeDefined();
  });
});
