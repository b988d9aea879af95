// The audit's pure parts: DDL text, bloat arithmetic, and the analysis on hand-made catalogs.
import { describe, expect, it } from 'vitest';
import { type AnalyzeInput, analyze, DEFAULT_THRESHOLDS, type ScanSummary, scanKey } from '../../src/audit/analyze.js';
import { describeHostError } from '../../src/audit/audit.js';
import { estimateBtreeBloat, pgstatindexBloat } from '../../src/audit/bloat.js';
import { requireValidIndexSql } from '../../src/audit/checks.js';
import { dropIndexSql, fkIndexName, parseIndexDef, rebuildSql, restoreIndexSql } from '../../src/audit/ddl.js';
import type { AuditColumn, AuditForeignKey, AuditIndex } from '../../src/audit/model.js';
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

function scansFor(
  indexes: AuditIndex[],
  perIndex: Record<string, number[]> = {},
  hosts = 1,
  age = 30 * 86400,
  lastScans: Record<string, Array<string | null>> = {},
): ScanSummary {
  const byIndex: ScanSummary['byIndex'] = new Map();
  for (const ix of indexes) {
    const lastByHost = lastScans[ix.name] ?? Array(hosts).fill(null);
    const lastIdxScan =
      lastByHost
        .filter((v) => v)
        .sort()
        .at(-1) ?? null;
    byIndex.set(scanKey(ix.schema, ix.name), { perHost: perIndex[ix.name] ?? Array(hosts).fill(0), lastByHost, lastIdxScan });
  }
  return {
    hosts: Array.from({ length: hosts }, (_, i) => `host${i}`),
    byIndex,
    statsAgeSeconds: age,
    statsSince: '2024-01-01T00:00:00Z',
    readAt: READ_AT,
  };
}

/** The moment the hand-made counters were read: last scans are aged against it. */
const READ_AT = '2024-06-30T12:00:00.000Z';
const daysBefore = (days: number) => new Date(Date.parse(READ_AT) - days * 86_400_000).toISOString();

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

function foreignKey(name: string, attnums: number[], columns: string[], extra: Partial<AuditForeignKey> = {}): AuditForeignKey {
  return {
    oid: nextOid++,
    name,
    schema: 'public',
    table: 't',
    tableOid: 1,
    tableKind: 'r',
    attnums,
    columns,
    refSchema: 'public',
    refTable: 'parent',
    refTableOid: 2,
    refAttnums: attnums.map((_, i) => i + 1),
    refColumns: columns.map((c) => `ref_${c}`),
    types: columns.map(() => 'integer'),
    refTypes: columns.map(() => 'integer'),
    typeOids: columns.map(() => 23),
    refTypeOids: columns.map(() => 23),
    definition: `FOREIGN KEY (${columns.join(', ')}) REFERENCES parent(${columns.map((c) => `ref_${c}`).join(', ')})`,
    validated: true,
    tableBytes: 0,
    tableRows: 0,
    ...extra,
  };
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

  it('decides each invalid index: drop a leftover, rebuild what a rule or a foreign key needs, review the rest', () => {
    const uniq = index('uniq', [col(2, 'a')], { valid: false, ready: false, unique: true });
    const uniqDups = index('uniq_dups', [col(7, 'f')], { valid: false, unique: true });
    const uniqUnchecked = index('uniq_unchecked', [col(8, 'g')], { valid: false, unique: true });
    const ccnew = index('good_ccnew', [col(3, 'b')], { valid: false });
    const good = index('good', [col(3, 'b')]);
    const dead = index('dead', [col(4, 'c')], { valid: false, ready: false, live: false });
    const building = index('building', [col(5, 'd')], { valid: false, building: true });
    const parted = index('parted', [col(2, 'a')], { valid: false, relkind: 'I', tableOid: 2 });
    const ri = index('ri_invalid', [col(6, 'e')], { valid: false, unique: true, replicaIdentity: true });
    const fkCol = index('fk_col', [col(9, 'p')], { valid: false });
    const plain = index('plain', [col(10, 'h')], { valid: false });
    const fkColAgain = index('fk_col_again', [col(9, 'p')], { valid: false }); // two failed builds of one index
    const all = [uniq, uniqDups, uniqUnchecked, ccnew, good, dead, building, parted, ri, fkCol, fkColAgain, plain];
    const duplicateKeys = new Map([
      [uniq.oid, { groups: 0, rows: 0, examples: [] }],
      [ri.oid, { groups: 0, rows: 0, examples: [] }],
      [uniqDups.oid, { groups: 2, rows: 5, examples: ['(f)=(1) × 3', '(f)=(2) × 2'] }],
      [uniqUnchecked.oid, { unknown: 'the role may not SELECT the table' }],
    ]);
    const fk = foreignKey('t_p_fkey', [9], ['p']);
    const out = run(all, { scans: { ...scansFor(all), statsAgeSeconds: 0 }, duplicateKeys, foreignKeys: [fk] });
    expect(kinds(out)).toEqual([
      'invalid:dead:drop',
      'invalid:fk_col:drop-and-recreate',
      'invalid:fk_col_again:drop',
      'invalid:good_ccnew:drop',
      'invalid:parted:keep',
      'invalid:plain:review',
      'invalid:ri_invalid:reindex',
      'invalid:uniq:drop-and-recreate',
      'invalid:uniq_dups:drop',
      'invalid:uniq_unchecked:review',
    ]);
    const f = (name: string) => out.findings.find((x) => x.index === name)!;
    expect(out.kept).toEqual([{ index: 'public.ri_invalid', reason: expect.stringMatching(/replica identity/) }]);
    // the recovery the manual recommends after a failed CREATE INDEX CONCURRENTLY: drop, build again
    expect(f('uniq').upSql).toEqual([
      'DROP INDEX CONCURRENTLY IF EXISTS public.uniq;',
      'CREATE UNIQUE INDEX CONCURRENTLY uniq ON public.t USING btree (a);',
    ]);
    expect(f('ri_invalid').upSql).toEqual(['REINDEX INDEX CONCURRENTLY public.ri_invalid;']);
    // duplicate keys: only the DROP runs, the keys and the rebuild are comments
    expect(f('uniq_dups').upSql[0]).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.uniq_dups;');
    expect(
      f('uniq_dups')
        .upSql.slice(1)
        .every((l) => l.startsWith('--')),
    ).toBe(true);
    expect(f('uniq_dups').upSql.join('\n')).toMatch(/2 key values are duplicated \(5 rows hold them\), e\.g\. \(f\)=\(1\) × 3/);
    for (const name of ['plain', 'uniq_unchecked']) {
      expect(f(name).evidence.decision).toBe('uncertain');
      expect(f(name).upSql.every((l) => l.startsWith('--'))).toBe(true);
    }
    expect(f('uniq_unchecked').summary).toMatch(/may not SELECT/);
    // the foreign key gets its index from the rebuild, not a second one beside it
    expect(f('fk_col').evidence.foreignKeys).toBe('t_p_fkey');
    expect(out.findings.some((x) => x.kind === 'missing-fk-index')).toBe(false);
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

  it('calls an index unused when its last scan (16+) is older than lastScanAgeDays, whatever its scan count', () => {
    const a = index('a', [col(2, 'a')]);
    const b = index('b', [col(3, 'b')]);
    const c = index('c', [col(4, 'c')]);
    const u = index('u', [col(5, 'u')], { unique: true });
    const all = [a, b, c, u];
    const perIndex = { a: [120], b: [5000], c: [0], u: [40] };
    // a: last used 40 days ago; b: yesterday; c: never scanned (NULL), u: unique, 45 days ago.
    const last = { a: [daysBefore(40)], b: [daysBefore(1)], c: [null], u: [daysBefore(45)] };
    const out = run(all, { scans: scansFor(all, perIndex, 1, 90 * 86400, last) });
    expect(kinds(out)).toEqual(['unused:a:drop', 'unused:c:drop']);
    const f = out.findings.find((x) => x.index === 'a')!;
    expect(f.summary).toMatch(
      /^Index public\.a was last used 40 days ago, beyond 30 days \(--last-scan-age\), though it counts 120 scans in 90 days/,
    );
    expect(f.evidence).toMatchObject({ scans: 120, lastIdxScan: daysBefore(40), lastScanAge: '40 days', lastScanAgeDays: 30 });
    // The never-scanned index keeps today's rule: no scans over the window.
    expect(out.findings.find((x) => x.index === 'c')!.summary).toMatch(/was scanned 0 times in 90 days/);
    expect(out.kept).toEqual([
      { index: 'public.u', reason: expect.stringMatching(/^last scanned 45 days ago \(40 scans in 90 days\), but it enforces uniqueness/) },
    ]);

    // The window is an option: at 60 days a is in use; 0 turns the rule off.
    const wide = { ...DEFAULT_THRESHOLDS, lastScanAgeDays: 60 };
    expect(kinds(run(all, { scans: scansFor(all, perIndex, 1, 90 * 86400, last), thresholds: wide }))).toEqual(['unused:c:drop']);
    const off = { ...DEFAULT_THRESHOLDS, lastScanAgeDays: 0 };
    expect(kinds(run(all, { scans: scansFor(all, perIndex, 1, 90 * 86400, last), thresholds: off }))).toEqual(['unused:c:drop']);

    // The last scan is its own proof of the window: statistics counted from a recent restart do not hold it back.
    const restarted = run(all, { scans: scansFor(all, perIndex, 1, 2 * 86400, last) });
    expect(kinds(restarted)).toEqual(['unused:a:drop']);
    expect(restarted.warnings.join('\n')).toMatch(
      /statistics too young: 2 days .* or when their last scan is older than 30 days \(--last-scan-age/,
    );
  });

  it('takes the latest last scan over hosts and duplicates, and never guesses for a host that does not say when', () => {
    const a = index('a', [col(2, 'a')]);
    const a2 = index('a2', [col(2, 'a')]); // a's duplicate: its scans count for a
    const b = index('b', [col(3, 'b')]);
    const c = index('c', [col(4, 'c')]);
    const d = index('d', [col(5, 'd')]);
    const all = [a, a2, b, c, d];
    const perIndex = { a: [10, 0], a2: [0, 3], b: [10, 7], c: [10, 0], d: [10, 4] };
    const last = {
      a: [daysBefore(50), null],
      a2: [null, daysBefore(3)], // used on the replica 3 days ago
      b: [daysBefore(50), daysBefore(35)], // both hosts long ago: the latest, 35 days, counts
      c: [daysBefore(50), null], // never scanned on the replica
      d: [daysBefore(50), null], // scanned on the replica, which does not say when (before 16)
    };
    const out = run(all, { scans: scansFor(all, perIndex, 2, 90 * 86400, last) });
    expect(kinds(out)).toEqual(['duplicate:a2:drop', 'unused:b:drop', 'unused:c:drop']);
    expect(out.findings.find((x) => x.index === 'b')!.evidence).toMatchObject({
      lastScanAge: '35 days',
      scansByHost: 'host0: 10; host1: 7',
    });
    // The replica's own window bounds what "never scanned there" proves: 20 days is not 30.
    const young = run(all, { scans: scansFor(all, perIndex, 2, 20 * 86400, last) });
    expect(kinds(young)).toEqual(['duplicate:a2:drop', 'unused:b:drop']);
    // A replica that did not answer withholds every unused finding.
    const withheld = run(all, { scans: { ...scansFor(all, perIndex, 2, 90 * 86400, last), withheld: 'replica down' } });
    expect(kinds(withheld)).toEqual(['duplicate:a2:drop']);
  });

  it('calls (b) redundant beside (a, b) on no version, and on 18 reports it (review) when a skip scan over few values of a serves it', () => {
    const ab = index('t_a_b', [col(2, 'a'), col(3, 'b')]);
    const b = index('t_b', [col(3, 'b')]);
    const a = index('t_a', [col(2, 'a')]); // a leading prefix: redundant on every version
    const all = [ab, b, a];
    const column = (attnum: number, name: string, nDistinct: number): AuditColumn => ({
      tableOid: 1,
      attnum,
      name,
      type: 'integer',
      category: 'N',
      notNull: false,
      stats: { nullFrac: 0, avgWidth: 4, nDistinct },
    });
    const columns = (aValues: number) => [column(2, 'a', aValues), column(3, 'b', -1)];
    const scans = scansFor(all, { t_a_b: [50], t_b: [900], t_a: [10] });
    const on = (serverVersion: number, aValues = 3) => run(all, { scans, columns: columns(aValues), serverVersion });
    expect(kinds(on(15))).toEqual(['redundant:t_a:drop']);
    expect(kinds(on(17))).toEqual(['redundant:t_a:drop']);
    const r18 = on(18);
    expect(kinds(r18)).toEqual(['redundant:t_a:drop', 'redundant:t_b:review']);
    const f = r18.findings.find((x) => x.index === 't_b')!;
    expect(f.evidence).toMatchObject({ redundantWith: 'public.t_a_b', skipScanOver: 'a', skipScanSearches: 3 });
    expect(f.summary).toMatch(
      /may be redundant on PostgreSQL 18: public\.t_a_b serves its equality lookups by a skip scan over a \(3 index searches\)/,
    );
    // Report only: every line of its migration is a comment, and nothing is given back by it.
    expect(f.upSql.length).toBeGreaterThan(1);
    expect(f.upSql.every((l) => l.startsWith('--'))).toBe(true);
    expect(f.reclaimableBytes).toBeUndefined();
    // Many values of a: the skip scan reads much of the index, (b) is no less needed than on 15.
    expect(kinds(on(18, 50))).toEqual(['redundant:t_a:drop']);
    // No statistics for a: nothing is assumed.
    expect(kinds(run(all, { scans, columns: [column(3, 'b', -1)], serverVersion: 18 }))).toEqual(['redundant:t_a:drop']);
  });

  it('keeps an unused index that is the only one for a foreign key, and finds foreign keys without one', () => {
    const fkIdx = index('t_parent_idx', [col(2, 'parent_id')]);
    const fk = foreignKey('t_parent_fkey', [2], ['parent_id']);
    const fk2: AuditForeignKey = { ...foreignKey('t_pair_fkey', [3, 4], ['B', 'a']), refTable: 'pair' };
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

describe('schema checks', () => {
  const young = (ixs: AuditIndex[]) => ({ ...scansFor(ixs), statsAgeSeconds: 0 });
  function column(attnum: number, name: string, extra: Partial<AuditColumn> = {}): AuditColumn {
    return { tableOid: 1, attnum, name, type: 'integer', category: 'N', notNull: false, ...extra };
  }

  it('replaces a single-column b-tree on a mostly NULL column by a partial index, built before the drop and checked valid', () => {
    const ix = index('t_parent', [col(2, 'parent_id')], { bytes: 100 * 8192, reltuples: 100_000 });
    const columns = [column(2, 'parent_id', { stats: { nullFrac: 0.9, avgWidth: 4 } })];
    const out = run([ix], { scans: young([ix]), columns, relationNames: { public: ['t', 't_parent', 't_parent_not_null'] } });
    expect(kinds(out)).toEqual(['mostly-null-index:t_parent:replace']);
    const f = out.findings[0]!;
    expect(f.upSql[0]).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_parent_not_null_2 ON public.t USING btree (parent_id) WHERE (parent_id IS NOT NULL);',
    );
    expect(f.upSql[1]).toMatch(/^DO \$pgia\$ BEGIN IF NOT EXISTS .*to_regclass\('public.t_parent_not_null_2'\).*RAISE EXCEPTION/);
    expect(f.upSql[2]).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.t_parent;');
    expect(f.downSql[0]).toBe('CREATE INDEX CONCURRENTLY IF NOT EXISTS t_parent ON public.t USING btree (parent_id);');
    expect(f.downSql[1]).toMatch(/to_regclass\('public.t_parent'\)/);
    expect(f.downSql[2]).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.t_parent_not_null_2;');
    // 10 000 int4 entries: ~28 pages, of 100
    expect(f.evidence.estimatedPartialBytes as number).toBeLessThan(40 * 8192);
    expect(f.reclaimableBytes!).toBe(ix.bytes - (f.evidence.estimatedPartialBytes as number));
    expect(f.summary).toMatch(/90 % NULL/);
  });

  it('drops a mostly NULL index outright when its partial twin WHERE col IS NOT NULL exists', () => {
    const ix = index('t_parent', [col(2, 'parent_id')], { bytes: 100 * 8192, reltuples: 100_000 });
    const twin = index('t_parent_nn', [col(2, 'parent_id')], {
      predicate: '(parent_id IS NOT NULL)',
      definition: 'CREATE INDEX t_parent_nn ON public.t USING btree (parent_id) WHERE (parent_id IS NOT NULL)',
    });
    const columns = [column(2, 'parent_id', { stats: { nullFrac: 0.9, avgWidth: 4 } })];
    const out = run([ix, twin], { scans: young([ix, twin]), columns });
    expect(kinds(out)).toEqual(['mostly-null-index:t_parent:drop']);
    expect(out.findings[0]!.upSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.t_parent;']);
    expect(out.findings[0]!.evidence.partialTwin).toBe('public.t_parent_nn');
  });

  it('leaves a mostly NULL index alone below the threshold, when partial, NOT NULL or too small to give anything back', () => {
    const low = index('low', [col(2, 'a')], { bytes: 100 * 8192, reltuples: 100_000 });
    const partial = index('partial', [col(3, 'b')], { bytes: 100 * 8192, reltuples: 100_000, predicate: '(b > 0)' });
    const tiny = index('tiny', [col(3, 'b')], { bytes: 2 * 8192, reltuples: 50 });
    const columns = [column(2, 'a', { stats: { nullFrac: 0.4, avgWidth: 4 } }), column(3, 'b', { stats: { nullFrac: 0.9, avgWidth: 4 } })];
    const all = [low, partial, tiny];
    expect(run(all, { scans: young(all), columns }).findings).toEqual([]);
    // a threshold of 0 still needs some NULLs
    const none = [column(2, 'a', { stats: { nullFrac: 0, avgWidth: 4 } })];
    expect(run([low], { scans: young([low]), columns: none, thresholds: { ...DEFAULT_THRESHOLDS, nullFrac: 0 } }).findings).toEqual([]);
  });

  it('only reports (review) a mostly NULL index that is unique, backs a constraint or has more keys', () => {
    const u = index('u', [col(2, 'a')], { unique: true, bytes: 100 * 8192, reltuples: 100_000 });
    const multi = index('multi', [col(3, 'b'), col(4, 'c')], { bytes: 100 * 8192, reltuples: 100_000 });
    const columns = [
      column(2, 'a', { stats: { nullFrac: 0.8, avgWidth: 4 } }),
      column(3, 'b', { stats: { nullFrac: 0.8, avgWidth: 4 } }),
      column(4, 'c', { stats: { nullFrac: 0, avgWidth: 4 } }),
    ];
    const out = run([u, multi], { scans: young([u, multi]), columns });
    expect(kinds(out)).toEqual(['mostly-null-index:multi:review', 'mostly-null-index:u:review']);
    for (const f of out.findings) {
      expect(f.upSql.every((l) => l.startsWith('--'))).toBe(true);
      expect(f.reclaimableBytes).toBeUndefined();
    }
    expect(out.findings.find((f) => f.index === 'u')!.summary).toMatch(/ON CONFLICT/);
    expect(auditMigrationUp({ generatedAt: '', targets: [], serverVersion: 15, statsAgeSeconds: 0, ...out })).not.toMatch(
      /^(CREATE|DROP)/m,
    );
  });

  it("counts a partial index on an FK column IS NOT NULL as the foreign key's index", () => {
    const p = index('t_parent_nn', [col(2, 'parent_id')], { predicate: '(parent_id IS NOT NULL)' });
    const other = index('t_parent_pos', [col(2, 'parent_id')], { predicate: '(parent_id > 0)' });
    const fk = foreignKey('t_parent_fkey', [2], ['parent_id']);
    expect(kinds(run([p], { foreignKeys: [fk], scans: young([p]) }))).toEqual([]);
    expect(kinds(run([other], { foreignKeys: [fk], scans: young([other]) }))).toEqual(['missing-fk-index:t:create']);
  });

  it('reports b-trees led by a boolean column, with a partial index on the rare value', () => {
    const flag = index('t_flag', [col(2, 'flag')]);
    const flagTs = index('t_flag_ts', [col(2, 'flag'), col(3, 'ts')]);
    const second = index('t_ts_flag', [col(3, 'ts'), col(2, 'flag')]);
    const uniq = index('t_flag_u', [col(2, 'flag'), col(4, 'id')], { unique: true });
    const part = index('t_flag_p', [col(2, 'flag')], { predicate: 'flag' });
    const columns = [
      column(2, 'flag', {
        type: 'boolean',
        category: 'B',
        stats: { nullFrac: 0, avgWidth: 1, mostCommonVals: ['f', 't'], mostCommonFreqs: [0.97, 0.03] },
      }),
      column(3, 'ts', { type: 'timestamp with time zone', category: 'D' }),
      column(4, 'id'),
    ];
    const all = [flagTs, second, uniq, part];
    const out = run(all, { scans: young(all), columns });
    expect(kinds(out)).toEqual(['boolean-index:t_flag_ts:review']);
    const f = out.findings.find((x) => x.index === 't_flag_ts')!;
    expect(f.evidence).toMatchObject({ trueShare: 0.03, falseShare: 0.97, rareValue: true });
    expect(f.upSql).toContain('-- CREATE INDEX CONCURRENTLY IF NOT EXISTS t_flag_ts_where_flag ON public.t (ts) WHERE flag;');
    expect(f.upSql).toContain('-- DROP INDEX CONCURRENTLY IF EXISTS public.t_flag_ts;');
    expect(run([flag], { scans: young([flag]), columns }).findings[0]!.upSql).toContain(
      '-- CREATE INDEX CONCURRENTLY IF NOT EXISTS t_flag_where_flag ON public.t (flag) WHERE flag;',
    );
    // neither value rare: no partial index proposed
    const even = [{ ...columns[0]!, stats: { nullFrac: 0, avgWidth: 1, mostCommonVals: ['t', 'f'], mostCommonFreqs: [0.5, 0.5] } }];
    const evenOut = run([flag], { scans: young([flag]), columns: even });
    expect(evenOut.findings[0]!.summary).toMatch(/Neither value is rare/);
    expect(evenOut.findings[0]!.upSql.join('\n')).not.toMatch(/CREATE/);
    // the rare value false, only the common one listed by pg_stats
    const rareFalse = [{ ...columns[0]!, stats: { nullFrac: 0, avgWidth: 1, mostCommonVals: ['t'], mostCommonFreqs: [0.9] } }];
    expect(run([flag], { scans: young([flag]), columns: rareFalse }).findings[0]!.upSql.join('\n')).toMatch(/WHERE NOT flag;/);
  });

  it('reports b-trees with an array key column, not GIN indexes or arrays in INCLUDE', () => {
    const tags = index('t_tags', [col(2, 'tags')]);
    const gin = index('t_tags_gin', [col(2, 'tags')], { method: 'gin' });
    const inc = index('t_id_inc', [col(3, 'id')], { include: [col(2, 'tags')] });
    const columns = [column(2, 'tags', { type: 'text[]', category: 'A' }), column(3, 'id')];
    const all = [tags, gin, inc];
    const out = run(all, { scans: young(all), columns });
    expect(kinds(out)).toEqual(['btree-array-index:t_tags:review']);
    expect(out.findings[0]!.upSql).toContain('-- CREATE INDEX CONCURRENTLY IF NOT EXISTS t_tags_gin_idx ON public.t USING gin (tags);');
  });

  it('reports foreign keys whose type differs from the referenced key, and duplicate foreign keys', () => {
    const ok = foreignKey('ok_fkey', [2], ['a']);
    const wide = foreignKey('wide_fkey', [3], ['b'], { refAttnums: [5], refTypes: ['bigint'], refTypeOids: [20] });
    const dupOld = foreignKey('pair_a', [4, 6], ['c', 'd'], { refTableOid: 3, refAttnums: [1, 2] });
    const dupNew = foreignKey('pair_b', [6, 4], ['d', 'c'], { refTableOid: 3, refAttnums: [2, 1] });
    const otherRef = foreignKey('pair_other', [4, 6], ['c', 'd'], { refTableOid: 4, refAttnums: [1, 2] });
    const out = run([], { foreignKeys: [ok, wide, dupOld, dupNew, otherRef].map((fk) => fk), scans: young([]) });
    const relevant = out.findings.filter((f) => f.kind !== 'missing-fk-index');
    expect(relevant.map((f) => `${f.kind}:${f.foreignKey?.name}:${f.action}`).sort()).toEqual([
      'duplicate-fk:pair_b:review',
      'fk-type-mismatch:wide_fkey:review',
    ]);
    const m = relevant.find((f) => f.kind === 'fk-type-mismatch')!;
    expect(m.summary).toMatch(/b integer → ref_b bigint/);
    expect(m.upSql).toContain('-- ALTER TABLE public.t ALTER COLUMN b TYPE bigint;');
    const d = relevant.find((f) => f.kind === 'duplicate-fk')!;
    expect(d.evidence.duplicateOf).toBe('pair_a');
    expect(d.upSql).toContain('-- ALTER TABLE public.t DROP CONSTRAINT pair_b;');
    expect(d.upSql.every((l) => l.startsWith('--'))).toBe(true);
    // a validated constraint is kept over an older NOT VALID one
    const notValid = { ...dupOld, validated: false, definition: `${dupOld.definition} NOT VALID` };
    const again = run([], { foreignKeys: [notValid, dupNew], scans: young([]) }).findings.find((f) => f.kind === 'duplicate-fk')!;
    expect(again.foreignKey?.name).toBe('pair_a');
  });

  it('guards a replacement with a DO block whose quoting survives odd names', () => {
    const sql = requireValidIndexSql('My Schema', 'x$pgia$ 100%', 'public.old');
    expect(sql).toMatch(/^DO \$pgia1\$ .* \$pgia1\$;$/);
    expect(sql).toContain(`to_regclass('"My Schema"."x$pgia$ 100%"')`);
    expect(sql).toContain('100%%');
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
