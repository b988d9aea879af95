// The audit's pure parts: DDL text, bloat arithmetic, and the analysis on hand-made catalogs.
import { describe, expect, it } from 'vitest';
import { type AnalyzeInput, analyze, DEFAULT_THRESHOLDS, type ScanSummary, scanKey } from '../../src/audit/analyze.js';
import { describeHostError } from '../../src/audit/audit.js';
import { estimateBtreeBloat, pgstatindexBloat } from '../../src/audit/bloat.js';
import { dropIndexSql, fkIndexName, parseIndexDef, rebuildSql, restoreIndexSql } from '../../src/audit/ddl.js';
import type { AuditForeignKey, AuditIndex } from '../../src/audit/model.js';
import { parseDuration, parseStatsAge } from '../../src/cli/parseOptions.js';
import { ConnectionError } from '../../src/db/connect.js';
import { formatAge } from '../../src/format.js';
import { auditMarkdown } from '../../src/report/auditMarkdown.js';
import { auditMigrationDown, auditMigrationUp } from '../../src/report/auditMigration.js';
import type { AuditResult, IndexPosition } from '../../src/types.js';

let nextOid = 1000;
const BTREE_INT = 1978;

function col(attnum: number, name: string, extra: Partial<IndexPosition> = {}): IndexPosition {
  return { attnum, text: name, column: name, opclass: BTREE_INT, collation: 0, option: 0, ...extra };
}

function index(name: string, keys: IndexPosition[], extra: Partial<AuditIndex> = {}): AuditIndex {
  const cols = keys.map((k) => k.text).join(', ');
  return {
    oid: nextOid++,
    tableOid: 1,
    schema: 'public',
    table: 't',
    name,
    relkind: 'i',
    isPartition: false,
    method: 'btree',
    keys,
    include: [],
    predicate: null,
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
    definition: `CREATE ${extra.unique ? 'UNIQUE ' : ''}INDEX ${name} ON public.t USING btree (${cols})`,
    bytes: 8192 * 10,
    relpages: 10,
    reltuples: 1000,
    fillfactor: 90,
    ...extra,
  };
}

function scansFor(indexes: AuditIndex[], perIndex: Record<string, number[]> = {}, hosts = 1, age = 30 * 86400): ScanSummary {
  const byIndex: ScanSummary['byIndex'] = new Map();
  for (const ix of indexes)
    byIndex.set(scanKey(ix.schema, ix.name), { perHost: perIndex[ix.name] ?? Array(hosts).fill(0), lastIdxScan: null });
  return { hosts: Array.from({ length: hosts }, (_, i) => `host${i}`), byIndex, statsAgeSeconds: age, statsSince: '2024-01-01T00:00:00Z' };
}

function run(indexes: AuditIndex[], extra: Partial<AnalyzeInput> = {}) {
  return analyze({
    indexes,
    foreignKeys: [],
    relationNames: {},
    scans: scansFor(indexes),
    bloat: new Map(),
    thresholds: DEFAULT_THRESHOLDS,
    ...extra,
  });
}

const kinds = (out: ReturnType<typeof analyze>) => out.findings.map((f) => `${f.kind}:${f.index ?? f.table}:${f.action}`).sort();

describe('DDL text', () => {
  it('parses pg_get_indexdef output, quoted names included', () => {
    expect(parseIndexDef('CREATE UNIQUE INDEX "a "" ON ONLY b" ON ONLY public."T" USING btree (x)')).toEqual({
      unique: true,
      name: '"a "" ON ONLY b"',
      only: true,
      rest: 'public."T" USING btree (x)',
    });
    expect(parseIndexDef('ALTER TABLE x')).toBeUndefined();
  });

  it('rebuilds concurrently, and drops ONLY for partitioned indexes so the build reaches every partition', () => {
    expect(rebuildSql('CREATE UNIQUE INDEX u ON public.t USING btree (v) WHERE (v > 0)', { partitioned: false, ifNotExists: false })).toBe(
      'CREATE UNIQUE INDEX CONCURRENTLY u ON public.t USING btree (v) WHERE (v > 0);',
    );
    expect(rebuildSql('CREATE INDEX p ON ONLY public.p USING btree (a)', { partitioned: true, ifNotExists: true })).toBe(
      'CREATE INDEX IF NOT EXISTS p ON public.p USING btree (a);',
    );
  });

  it('quotes dropped names and warns about partitioned drops', () => {
    expect(dropIndexSql({ schema: 'My Schema', name: 'Idx "1"', relkind: 'i' })).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS "My Schema"."Idx ""1""";',
    ]);
    const p = dropIndexSql({ schema: 'public', name: 'p', relkind: 'I' });
    expect(p[0]).toMatch(/^-- WARNING: partitioned index/);
    expect(p[1]).toBe('DROP INDEX IF EXISTS public.p;');
    expect(restoreIndexSql({ definition: 'CREATE INDEX p ON ONLY public.p USING btree (a)', relkind: 'I' })[1]).toBe(
      'CREATE INDEX IF NOT EXISTS p ON public.p USING btree (a);',
    );
  });

  it('names foreign-key indexes like PostgreSQL, within 63 bytes, and numbers clashes like every new index', () => {
    expect(fkIndexName({ table: 'orders', columns: ['customer_id'] }, new Set())).toBe('orders_customer_id_idx');
    expect(fkIndexName({ table: 'orders', columns: ['customer_id'] }, new Set(['orders_customer_id_idx']))).toBe(
      'orders_customer_id_idx_2',
    );
    const long = fkIndexName({ table: 'x'.repeat(40), columns: ['é'.repeat(20)] }, new Set());
    expect(Buffer.byteLength(long)).toBeLessThanOrEqual(63);
    expect(long).toMatch(/_[0-9a-f]{8}$/);
  });
});

describe('bloat arithmetic', () => {
  const intCol = { nullFrac: 0, avgWidth: 4, isName: false };
  it('estimates a freshly built int index as not bloated, and a sparse one as mostly empty', () => {
    // 200k int4 keys at fillfactor 90: 366 tuples a page → 547 leaf pages + meta.
    const fresh = estimateBtreeBloat({
      relpages: 549,
      reltuples: 200_000,
      fillfactor: 90,
      blockSize: 8192,
      maxAlign: 8,
      columns: [intCol],
    })!;
    expect(fresh.ratio).toBeLessThan(0.01);
    const sparse = estimateBtreeBloat({
      relpages: 551,
      reltuples: 20_000,
      fillfactor: 90,
      blockSize: 8192,
      maxAlign: 8,
      columns: [intCol],
    })!;
    expect(sparse.evidence.estimatedPages).toBe(56);
    expect(sparse.reclaimableBytes).toBe((551 - 56) * 8192);
    expect(sparse.ratio).toBeCloseTo(0.898, 3);
  });

  it('gives no estimate without statistics for every column, or before the first VACUUM/ANALYZE', () => {
    expect(
      estimateBtreeBloat({ relpages: 10, reltuples: 100, fillfactor: 90, blockSize: 8192, maxAlign: 8, columns: [intCol, null] }),
    ).toBeUndefined();
    expect(
      estimateBtreeBloat({ relpages: 10, reltuples: -1, fillfactor: 90, blockSize: 8192, maxAlign: 8, columns: [intCol] }),
    ).toBeUndefined();
  });

  it('turns pgstatindex() leaf density into bytes a rebuild gives back', () => {
    const b = pgstatindexBloat(
      { indexSize: 551 * 8192, internalPages: 2, leafPages: 548, emptyPages: 0, deletedPages: 0, avgLeafDensity: 9, leafFragmentation: 0 },
      90,
      8192,
    );
    expect(b.bytes).toBe(551 * 8192);
    expect(b.reclaimableBytes).toBe((551 - (1 + 2 + 55)) * 8192);
    const healthy = pgstatindexBloat(
      {
        indexSize: 551 * 8192,
        internalPages: 2,
        leafPages: 548,
        emptyPages: 0,
        deletedPages: 0,
        avgLeafDensity: 90.1,
        leafFragmentation: 0,
      },
      90,
      8192,
    );
    expect(healthy.reclaimableBytes).toBe(0);
  });
});

describe('analysis', () => {
  it('drops an exact duplicate, keeping the constraint-backed or older one', () => {
    const a1 = index('a1', [col(2, 'a')]);
    const a2 = index('a2', [col(2, 'a')]);
    const pk = index('t_pkey', [col(1, 'id')], {
      unique: true,
      primary: true,
      constraints: [{ type: 'p', name: 't_pkey', table: 'public.t' }],
    });
    const copy = index('id_copy', [col(1, 'id')], { unique: true, oid: 1 }); // older than the pkey, still the one to go
    const out = run([a1, a2, pk, copy], { scans: { ...scansFor([a1, a2, pk, copy]), statsAgeSeconds: 0 } });
    expect(kinds(out)).toEqual(['duplicate:a2:drop', 'duplicate:id_copy:drop']);
    expect(out.findings.find((f) => f.index === 'id_copy')!.evidence.duplicateOf).toBe('public.t_pkey');
  });

  it('does not call different operator classes, collations, directions or predicates duplicates', () => {
    const base = index('c', [col(3, 'c')]);
    const out = run(
      [
        base,
        index('c_pattern', [col(3, 'c', { opclass: 10049 })]),
        index('c_collate', [col(3, 'c', { collation: 950 })]),
        index('c_desc', [col(3, 'c', { option: 3 })]),
        index('c_partial', [col(3, 'c')], { predicate: '(a > 0)' }),
        index('c_hash', [col(3, 'c', { opclass: 1977 })], { method: 'hash' }),
      ],
      { scans: { ...scansFor([]), statsAgeSeconds: 0 } },
    );
    expect(out.findings).toEqual([]);
  });

  it('keeps a unique index with NULLS NOT DISTINCT beside a plain unique twin', () => {
    const u = index('u', [col(2, 'a')], { unique: true });
    const nnd = index('u_nnd', [col(2, 'a')], { unique: true, nullsNotDistinct: true });
    const out = run([u, nnd], { scans: { ...scansFor([]), statsAgeSeconds: 0 } });
    // the NULLS NOT DISTINCT one is the stricter: it stays, and the plain one is its duplicate
    expect(kinds(out)).toEqual(['duplicate:u:drop']);
  });

  it('reports redundancy against the widest index that stays, never for unique or constraint indexes', () => {
    const a = index('a', [col(2, 'a')]);
    const ab = index('ab', [col(2, 'a'), col(3, 'b')]);
    const abc = index('abc', [col(2, 'a'), col(3, 'b'), col(4, 'c')]);
    const uq = index('b_u', [col(3, 'b')], { unique: true });
    const bc = index('b_c', [col(3, 'b'), col(4, 'c')]);
    const inc = index('a_inc', [col(2, 'a')], { include: [col(5, 'd')] });
    const ad = index('a_d', [col(2, 'a'), col(5, 'd')]);
    const all = [a, ab, abc, uq, bc, inc, ad];
    const out = run(all, { scans: { ...scansFor(all, Object.fromEntries(all.map((i) => [i.name, [10]]))) } });
    expect(kinds(out)).toEqual(['redundant:a:drop', 'redundant:a_inc:drop', 'redundant:ab:drop']);
    expect(out.findings.find((f) => f.index === 'a')!.evidence.redundantWith).toMatch(/public\.(abc|a_d)/);
    expect(out.findings.find((f) => f.index === 'a_inc')!.evidence.redundantWith).toBe('public.a_d');
    expect(out.kept).toEqual([{ index: 'public.b_u', reason: expect.stringMatching(/prefix of public.b_c.*uniqueness/) }]);
  });

  it('rebuilds an invalid index, but only drops one whose valid twin exists or that is marked dead', () => {
    const bad = index('bad', [col(2, 'a')], { valid: false, ready: false, unique: true });
    const ccnew = index('good_ccnew', [col(3, 'b')], { valid: false });
    const good = index('good', [col(3, 'b')]);
    const dead = index('dead', [col(4, 'c')], { valid: false, ready: false, live: false });
    const building = index('building', [col(5, 'd')], { valid: false, building: true });
    const parted = index('parted', [col(2, 'a')], { valid: false, relkind: 'I', tableOid: 2 });
    const ri = index('ri_invalid', [col(6, 'e')], { valid: false, replicaIdentity: true });
    const all = [bad, ccnew, good, dead, building, parted, ri];
    const out = run(all, { scans: { ...scansFor(all), statsAgeSeconds: 0 } });
    expect(kinds(out)).toEqual([
      'invalid:bad:drop-and-recreate',
      'invalid:dead:drop',
      'invalid:good_ccnew:drop',
      'invalid:parted:keep',
      'invalid:ri_invalid:keep',
    ]);
    expect(out.kept).toEqual([{ index: 'public.ri_invalid', reason: expect.stringMatching(/replica identity/) }]);
    expect(out.findings.find((f) => f.index === 'bad')!.upSql).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS public.bad;',
      'CREATE UNIQUE INDEX CONCURRENTLY bad ON public.t USING btree (a);',
    ]);
    expect(out.warnings.join('\n')).toMatch(/public.building is invalid but .* building it right now/);
  });

  it('calls an index unused only over old enough statistics, summing hosts and duplicates', () => {
    const pk = index('t_pkey', [col(1, 'id')], {
      unique: true,
      primary: true,
      constraints: [{ type: 'p', name: 't_pkey', table: 'public.t' }],
    });
    const a = index('a', [col(2, 'a')]);
    const b = index('b', [col(3, 'b')]);
    const b2 = index('b2', [col(3, 'b')]); // duplicate of b, and the one that was used
    const ri = index('ri', [col(4, 'c')], { replicaIdentity: true });
    const all = [pk, a, b, b2, ri];
    const perIndex = { t_pkey: [0, 0], a: [0, 3], b: [0, 0], b2: [2, 0], ri: [0, 0] };
    const old = run(all, { scans: scansFor(all, perIndex, 2) });
    expect(kinds(old)).toEqual(['duplicate:b2:drop']);
    expect(old.kept.map((k) => k.index).sort()).toEqual(['public.ri', 'public.t_pkey']);
    expect(old.kept.find((k) => k.index === 'public.ri')!.reason).toMatch(/replica identity/);

    const young = run(all, { scans: scansFor(all, perIndex, 2, 600) });
    expect(young.warnings.join('\n')).toMatch(/statistics too young: 10 minutes/);

    const idle = run(all, { scans: scansFor(all, { ...perIndex, a: [0, 0], b2: [0, 0] }, 2) });
    expect(kinds(idle)).toEqual(['duplicate:b2:drop', 'unused:a:drop', 'unused:b:drop']);
    const f = idle.findings.find((x) => x.index === 'a')!;
    expect(f.evidence.scansByHost).toBe('host0: 0; host1: 0');
    expect(f.downSql).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS a ON public.t USING btree (a);']);

    const withheld = run(all, { scans: { ...scansFor(all, { ...perIndex, a: [0, 0] }, 2), withheld: 'replica down' } });
    expect(kinds(withheld)).toEqual(['duplicate:b2:drop']);
    expect(withheld.warnings).toContain('replica down');
  });

  it('keeps an unused index that is the only one for a foreign key, and finds foreign keys without one', () => {
    const fkIdx = index('t_parent_idx', [col(2, 'parent_id')]);
    const fk: AuditForeignKey = {
      name: 't_parent_fkey',
      schema: 'public',
      table: 't',
      tableOid: 1,
      tableKind: 'r',
      attnums: [2],
      columns: ['parent_id'],
      refSchema: 'public',
      refTable: 'parent',
      tableBytes: 0,
      tableRows: 0,
    };
    const fk2: AuditForeignKey = { ...fk, name: 't_pair_fkey', attnums: [3, 4], columns: ['B', 'a'] };
    const other = index('t_a_b', [col(4, 'a'), col(5, 'x'), col(3, 'B')]); // FK columns not leading
    const out = run([fkIdx, other], { foreignKeys: [fk, fk2], relationNames: { public: ['t_B_a_idx'] } });
    expect(kinds(out)).toEqual(['missing-fk-index:t:create', 'unused:t_a_b:drop']);
    expect(out.kept).toEqual([
      { index: 'public.t_parent_idx', reason: expect.stringMatching(/only index for foreign key "t_parent_fkey"/) },
    ]);
    const create = out.findings.find((f) => f.kind === 'missing-fk-index')!;
    expect(create.upSql).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS "t_B_a_idx_2" ON public.t ("B", a);']);
    expect(create.downSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public."t_B_a_idx_2";']);
    expect(create.foreignKey).toEqual({ name: 't_pair_fkey', columns: ['B', 'a'] });
    expect(create.evidence).toMatchObject({ foreignKey: 't_pair_fkey', columns: 'B, a' });
  });

  it('reindexes bloated indexes above both thresholds, not the ones it drops', () => {
    const a = index('a', [col(2, 'a')], { bytes: 100 * 1024 * 1024 });
    const a2 = index('a2', [col(2, 'a')], { bytes: 100 * 1024 * 1024 });
    const small = index('small', [col(3, 'b')], { bytes: 1024 * 1024 });
    const all = [a, a2, small];
    const figure = (ratio: number, bytes: number) => ({
      source: 'estimate' as const,
      ratio,
      reclaimableBytes: ratio * bytes,
      bytes,
      evidence: {},
    });
    const bloat = new Map([
      [a.oid, figure(0.5, a.bytes)],
      [a2.oid, figure(0.5, a2.bytes)],
      [small.oid, figure(0.9, small.bytes)],
    ]);
    const out = run(all, { bloat, scans: { ...scansFor(all), statsAgeSeconds: 0 } });
    expect(kinds(out)).toEqual(['bloated:a:reindex', 'duplicate:a2:drop']);
    expect(out.findings.find((f) => f.kind === 'bloated')!.reclaimableBytes).toBe(50 * 1024 * 1024);
  });
});

describe('helpers', () => {
  it('formats ages and parses durations: --min-stats-age in days, timeouts in ms, one parser', () => {
    expect(formatAge(59)).toBe('0 minutes');
    expect(formatAge(60)).toBe('1 minute');
    expect(formatAge(5 * 3600)).toBe('5 hours');
    expect(formatAge(12 * 86400)).toBe('12 days');
    expect(formatAge(2.56 * 86400)).toBe('2.5 days'); // rounded down: a window is never overstated
    expect(formatAge(null)).toBe('unknown');
    expect(parseStatsAge('7')).toBe(7);
    expect(parseStatsAge('0')).toBe(0);
    expect(parseStatsAge('12h')).toBe(0.5);
    expect(parseStatsAge('30m')).toBeCloseTo(30 / 1440);
    expect(parseStatsAge('1h')).toBeCloseTo(1 / 24);
    expect(parseStatsAge('90s')).toBeCloseTo(90 / 86400);
    expect(parseStatsAge('2 days')).toBe(2);
    expect(() => parseStatsAge('soon')).toThrow(/--min-stats-age: expected a number of days/);
    expect(parseDuration('500')).toBe(500);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('2min')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(() => parseDuration('5 fortnights')).toThrow(/expected a duration/);
  });

  it('names the host and the grant in errors, without the password', () => {
    const url = 'postgresql://mon:hunter2@db.example:5432/app';
    const denied = describeHostError(Object.assign(new Error('permission denied for function pgstatindex'), { code: '42501' }), url);
    expect(denied).toContain('postgresql://mon:***@db.example:5432/app');
    expect(denied).toContain('GRANT pg_monitor TO mon;');
    expect(denied).not.toContain('hunter2');
    const down = describeHostError(new ConnectionError('cannot connect to postgresql://mon:***@db.example:5432/app: ECONNREFUSED'), url);
    expect(down).toMatch(/ECONNREFUSED.*pg_hba\.conf/);
  });
});

describe('reports', () => {
  const weird = index('Idx "Two"\nx', [col(1, 'Col A', { text: '"Col A"' })], {
    schema: 'My Schema',
    table: 'Weird "T" able',
    definition: 'CREATE INDEX "Idx ""Two""\nx" ON "My Schema"."Weird ""T"" able" USING btree ("Col A")',
  });
  const first = index('Idx One', [col(1, 'Col A', { text: '"Col A"' })], { schema: 'My Schema', table: 'Weird "T" able', oid: 1 });
  const out = run([first, weird], { scans: { ...scansFor([]), statsAgeSeconds: 0 } });
  const result: AuditResult = {
    generatedAt: '2024-01-01T00:00:00.000Z',
    targets: ['postgresql://u:***@h/db'],
    serverVersion: 15,
    statsAgeSeconds: 0,
    ...out,
  };

  it('keeps identifiers quoted and comments on one line in migrations', () => {
    const up = auditMigrationUp(result);
    expect(up).toContain('DROP INDEX CONCURRENTLY IF EXISTS "My Schema"."Idx ""Two""\nx";');
    // every line is a comment, a SET, blank, or part of the one statement
    for (const line of up.split('\n'))
      expect(line === '' || line.startsWith('--') || line.startsWith('SET ') || /^(DROP|x";)/.test(line)).toBe(true);
    const down = auditMigrationDown(result);
    expect(down).toContain(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Idx ""Two""\nx" ON "My Schema"."Weird ""T"" able" USING btree ("Col A");',
    );
  });

  it('renders Markdown with the evidence and both directions', () => {
    const md = auditMarkdown(result);
    expect(md).toMatch(/^# Index audit\n/);
    expect(md).toMatch(/## Duplicate indexes/);
    expect(md).toMatch(/\| duplicateOf \| "My Schema"\."Idx One" \|/);
    expect(md).toMatch(/Up:\n\n```sql\nDROP INDEX CONCURRENTLY/);
  });
});
