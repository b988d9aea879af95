// `audit` against real situations built on the test server: duplicate, redundant, invalid (a failed
// CREATE UNIQUE INDEX CONCURRENTLY), bloated (churn + VACUUM), unused (real scans, young and
// "old enough" statistics, several hosts), foreign keys without an index, a clean schema with no
// false alarm, a pg_monitor-only role, weird identifiers, and migrations that really run.
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditError, audit } from '../src/audit/audit.js';
import { redactUrl } from '../src/db/connect.js';
import { auditMarkdown } from '../src/report/auditMarkdown.js';
import { auditMigrationDown, auditMigrationUp } from '../src/report/auditMigration.js';
import type { AuditFinding, AuditResult } from '../src/types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

const MB = 1024 * 1024;

function key(f: AuditFinding): string {
  return `${f.kind}:${f.index ?? f.table}`;
}
function find(r: AuditResult, kind: AuditFinding['kind'], name: string): AuditFinding | undefined {
  return r.findings.find((f) => f.kind === kind && (f.index ?? f.table) === name);
}
/** The statements of a migration (each on its own line; comments and SET lines included), run one by one: CONCURRENTLY needs that. */
async function runMigration(client: pg.Client, sql: string): Promise<void> {
  for (const line of sql.split('\n')) {
    const s = line.trim();
    if (!s || s.startsWith('--')) continue;
    await client.query(s);
  }
}
function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

let main: TestDatabase;

beforeAll(async () => {
  main = await createTestDatabase('audit_main');
  const c = main.client;
  await c.query(`
    -- duplicates
    CREATE TABLE dup_t (id int PRIMARY KEY, a int, b int, c text);
    CREATE INDEX dup_a1 ON dup_t (a);
    CREATE INDEX dup_a2 ON dup_t (a);
    CREATE UNIQUE INDEX dup_id_copy ON dup_t (id);
    ALTER TABLE dup_t ADD CONSTRAINT dup_b_u1 UNIQUE (b), ADD CONSTRAINT dup_b_u2 UNIQUE (b);
    -- look alike, but are not duplicates: opclass, direction, predicate, collation
    CREATE INDEX dup_c ON dup_t (c);
    CREATE INDEX dup_c_pattern ON dup_t (c text_pattern_ops);
    CREATE INDEX dup_c_desc ON dup_t (c DESC);
    CREATE INDEX dup_c_partial ON dup_t (c) WHERE a > 0;
    CREATE INDEX dup_c_collate ON dup_t (c COLLATE "C");

    -- redundant
    CREATE TABLE red_t (id int PRIMARY KEY, a int, b int, c int);
    CREATE INDEX red_a ON red_t (a);
    CREATE INDEX red_a_b ON red_t (a, b);
    CREATE INDEX red_b_desc ON red_t (b DESC);
    CREATE INDEX red_b_c ON red_t (b, c);
    CREATE UNIQUE INDEX red_c_u ON red_t (c);
    CREATE INDEX red_c_a ON red_t (c, a);
    CREATE INDEX red_a_hash ON red_t USING hash (a);

    -- invalid: filled below by a failing CREATE UNIQUE INDEX CONCURRENTLY
    CREATE TABLE inv_t (id int PRIMARY KEY, v int);
    INSERT INTO inv_t SELECT g, g % 100 FROM generate_series(1, 1000) g;

    -- foreign keys
    CREATE TABLE parent (id int PRIMARY KEY);
    CREATE TABLE child_noidx (id int PRIMARY KEY, parent_id int REFERENCES parent);
    CREATE TABLE child_wrongidx (id int PRIMARY KEY, parent_id int REFERENCES parent, x int);
    CREATE INDEX child_wrongidx_x_p ON child_wrongidx (x, parent_id);
    CREATE TABLE child_ok (id int PRIMARY KEY, parent_id int REFERENCES parent, x int);
    CREATE INDEX child_ok_p_x ON child_ok (parent_id, x);
    CREATE TABLE pair_parent (a int, b int, PRIMARY KEY (a, b));
    CREATE TABLE pair_child (id int PRIMARY KEY, b int, a int, z int, FOREIGN KEY (a, b) REFERENCES pair_parent);
    CREATE INDEX pair_child_b_a_z ON pair_child (b, a, z);

    -- partitioned: duplicate indexes on the parent
    CREATE TABLE part_t (id int, a int) PARTITION BY RANGE (id);
    CREATE TABLE part_t1 PARTITION OF part_t FOR VALUES FROM (0) TO (1000);
    CREATE TABLE part_t2 PARTITION OF part_t FOR VALUES FROM (1000) TO (2000);
    CREATE INDEX part_a1 ON part_t (a);
    CREATE INDEX part_a2 ON part_t (a);

    -- identifiers that need quoting
    CREATE TABLE "Weird ""T"" able" ("Col A" int, "select" int);
    CREATE INDEX "Idx ""One""" ON "Weird ""T"" able" ("Col A");
    CREATE INDEX "Idx Two" ON "Weird ""T"" able" ("Col A");

    -- bloat from churn
    CREATE TABLE churn (id int PRIMARY KEY, v int);
    INSERT INTO churn SELECT g, g FROM generate_series(1, 200000) g;
    CREATE INDEX churn_v ON churn (v);
    DELETE FROM churn WHERE id % 10 <> 0;
  `);
  await expect(c.query('CREATE UNIQUE INDEX CONCURRENTLY inv_v_uniq ON inv_t (v)')).rejects.toThrow(/could not create unique index/);
  await c.query('VACUUM churn');
  await c.query('ANALYZE');
});

afterAll(async () => {
  await main?.drop();
});

describe('audit of a schema with every kind of problem', () => {
  let r: AuditResult;
  beforeAll(async () => {
    r = await audit({ urls: [main.url], bloatMinBytes: 1 * MB });
  });

  it('finds exactly the expected findings (no false alarm on look-alikes)', () => {
    expect(r.findings.map(key).sort()).toEqual(
      [
        'bloated:churn_pkey',
        'bloated:churn_v',
        'duplicate:Idx Two',
        'duplicate:dup_a2',
        'duplicate:dup_b_u2',
        'duplicate:dup_id_copy',
        'duplicate:part_a2',
        'invalid:inv_v_uniq',
        'missing-fk-index:child_noidx',
        'missing-fk-index:child_wrongidx',
        'redundant:red_a',
      ].sort(),
    );
    expect(r.serverVersion).toBeGreaterThanOrEqual(15);
    expect(r.targets).toEqual([redactUrl(main.url)]);
  });

  it('keeps the older duplicate, and the constraint-backed one over a plain unique index', () => {
    const a2 = find(r, 'duplicate', 'dup_a2')!;
    expect(a2.action).toBe('drop');
    expect(a2.evidence.duplicateOf).toBe('public.dup_a1');
    expect(a2.upSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.dup_a2;']);
    expect(a2.downSql).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS dup_a2 ON public.dup_t USING btree (a);']);
    expect(a2.reclaimableBytes).toBeGreaterThan(0);
    const copy = find(r, 'duplicate', 'dup_id_copy')!;
    expect(copy.action).toBe('drop');
    expect(copy.evidence.duplicateOf).toBe('public.dup_t_pkey');
  });

  it('never drops an index that backs a constraint, and says why it stays', () => {
    const u2 = find(r, 'duplicate', 'dup_b_u2')!;
    expect(u2.action).toBe('keep');
    expect(u2.upSql).toEqual([]);
    expect(u2.summary).toMatch(/backs unique constraint "dup_b_u2"/);
    expect(r.kept).toContainEqual({
      index: 'public.dup_b_u2',
      reason: expect.stringMatching(/duplicate of public.dup_b_u1.*unique constraint/),
    });
    for (const f of r.findings) if (f.action === 'drop') expect(f.index).not.toMatch(/_pkey$|dup_b_u/);
  });

  it('finds a b-tree that is a leading prefix of another, not across directions, uniqueness or methods', () => {
    const red = find(r, 'redundant', 'red_a')!;
    expect(red.evidence.redundantWith).toBe('public.red_a_b');
    expect(red.upSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.red_a;']);
    expect(r.kept).toContainEqual({ index: 'public.red_c_u', reason: expect.stringMatching(/prefix of public.red_c_a.*uniqueness/) });
  });

  it('finds the invalid index of a failed CREATE UNIQUE INDEX CONCURRENTLY: with duplicate keys, drops it and names them', () => {
    const inv = find(r, 'invalid', 'inv_v_uniq')!;
    expect(inv.action).toBe('drop');
    expect(inv.upSql[0]).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.inv_v_uniq;');
    // v = id % 100 over 1,000 rows: every one of the 100 keys ten times; the rebuild is a comment
    expect(inv.evidence.duplicatedKeyValues).toBe(100);
    expect(inv.evidence.rowsWithDuplicatedKeys).toBe(1000);
    expect(inv.upSql.slice(1).join('\n')).toMatch(/100 key values are duplicated \(1000 rows hold them\), e\.g\. \(v\)=\(0\) × 10/);
    expect(inv.upSql.slice(1).every((l) => l.startsWith('--'))).toBe(true);
    expect(inv.upSql.at(-1)).toBe('-- CREATE UNIQUE INDEX CONCURRENTLY inv_v_uniq ON public.inv_t USING btree (v);');
  });

  it('finds foreign keys whose columns lead no index, in any order', () => {
    const f = find(r, 'missing-fk-index', 'child_noidx')!;
    expect(f.action).toBe('create');
    expect(f.upSql).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS child_noidx_parent_id_idx ON public.child_noidx (parent_id);']);
    expect(f.downSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.child_noidx_parent_id_idx;']);
    expect(f.evidence.references).toBe('public.parent');
    expect(find(r, 'missing-fk-index', 'child_ok')).toBeUndefined();
    expect(find(r, 'missing-fk-index', 'pair_child')).toBeUndefined();
  });

  it('finds the bloated indexes of a churned table, from statistics (no pgstattuple yet)', () => {
    const b = find(r, 'bloated', 'churn_v')!;
    expect(b.action).toBe('reindex');
    expect(b.upSql).toEqual(['REINDEX INDEX CONCURRENTLY public.churn_v;']);
    expect(b.evidence.bloatSource).toMatch(/estimate/);
    expect(b.evidence.bloatRatio as number).toBeGreaterThan(0.8);
    expect(b.reclaimableBytes!).toBeGreaterThan(3 * MB);
    expect(r.settings?.bloatSource).toBe('estimate');
    // With the default 10 MB threshold a 4 MB index is not worth a rebuild.
  });

  it('drops partitioned indexes without CONCURRENTLY, with a warning, and not their partitions one by one', () => {
    const p = find(r, 'duplicate', 'part_a2')!;
    expect(p.upSql[0]).toMatch(/^-- WARNING: partitioned index/);
    expect(p.upSql[1]).toBe('DROP INDEX IF EXISTS public.part_a2;');
    expect(p.downSql.at(-1)).toBe('CREATE INDEX IF NOT EXISTS part_a2 ON public.part_t USING btree (a);');
    expect(r.findings.some((f) => /^part_t\d_/.test(f.index ?? ''))).toBe(false);
  });

  it('quotes names with capitals, spaces and double quotes', () => {
    const w = find(r, 'duplicate', 'Idx Two')!;
    expect(w.table).toBe('Weird "T" able');
    expect(w.evidence.duplicateOf).toBe('public."Idx ""One"""');
    expect(w.upSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public."Idx Two";']);
    expect(w.downSql).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS "Idx Two" ON public."Weird ""T"" able" USING btree ("Col A");']);
  });

  it('refuses to call indexes unused on young statistics', () => {
    expect(r.findings.filter((f) => f.kind === 'unused')).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/statistics too young: \d+ minutes?/);
    expect(r.statsAgeSeconds).not.toBeNull();
    expect(r.statsAgeSeconds!).toBeLessThan(7 * 86400);
  });

  it('writes Markdown and migrations with lock_timeout, statement_timeout and no transaction', () => {
    const md = auditMarkdown(r);
    expect(md).toMatch(/^# Index audit/);
    expect(md).toMatch(/## Duplicate indexes/);
    expect(md).toMatch(/statistics too young/);
    const up = auditMigrationUp(r);
    expect(up).toMatch(/^SET lock_timeout = '5s';$/m);
    expect(up).toMatch(/^SET statement_timeout = 0;$/m);
    expect(up).toMatch(/transaction block/);
    expect(up).not.toMatch(/^BEGIN/m);
    expect(up).toContain('DROP INDEX CONCURRENTLY IF EXISTS public."Idx Two";');
    expect(up).not.toMatch(/^(DROP|CREATE)[^\n]*dup_b_u2/m); // the kept duplicate has no SQL
    const down = auditMigrationDown(r);
    expect(down).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS "Idx Two" ON public."Weird ""T"" able" USING btree ("Col A");');
    expect(down.indexOf('child_noidx_parent_id_idx')).toBeLessThan(down.indexOf('dup_a2'));
  });
});

describe('pgstattuple and a pg_monitor-only role', () => {
  const role = `audit_mon_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(8).toString('hex');
  beforeAll(async () => {
    await main.client.query('CREATE EXTENSION IF NOT EXISTS pgstattuple');
    await main.client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}' IN ROLE pg_monitor`);
  });
  afterAll(async () => {
    await main.client.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
  });

  it('measures bloat with pgstatindex() when the extension is installed', async () => {
    const r = await audit({ urls: [main.url], bloatMinBytes: 1 * MB });
    const b = find(r, 'bloated', 'churn_v')!;
    expect(b.evidence.bloatSource).toBe('pgstatindex()');
    expect(b.evidence.avgLeafDensity as number).toBeLessThan(20);
    expect(b.reclaimableBytes!).toBeGreaterThan(3 * MB);
    expect(r.settings?.bloatSource).toBe('pgstatindex');
    // every other (freshly built or lightly used) index measures as healthy, even with no byte threshold
    const all = await audit({ urls: [main.url], bloatMinBytes: 0 });
    expect(
      all.findings
        .filter((f) => f.kind === 'bloated')
        .map((f) => f.index)
        .sort(),
    ).toEqual(['churn_pkey', 'churn_v']);
  });

  it('runs as a role that has only pg_monitor, and finds the same', async () => {
    const asMon = withUser(main.url, role, password);
    const mine = await audit({ urls: [asMon], bloatMinBytes: 1 * MB });
    const admin = await audit({ urls: [main.url], bloatMinBytes: 1 * MB });
    expect(mine.findings.map(key).sort()).toEqual(admin.findings.map(key).sort());
    expect(mine.targets[0]).toContain('***');
    expect(mine.targets[0]).not.toContain(password);
    // pg_stats hides other roles' tables from it: bloat comes from pgstatindex (pg_stat_scan_tables)
    expect(find(mine, 'bloated', 'churn_v')!.evidence.bloatSource).toBe('pgstatindex()');
  });
});

describe('failures name the host and what to grant', () => {
  it('an unreachable primary is an error with the redacted URL', async () => {
    const bad = 'postgresql://someone:secret@127.0.0.1:1/nowhere';
    const err = await audit({ urls: [bad] }).catch((e) => e);
    expect(err).toBeInstanceOf(AuditError);
    expect(err.message).toContain('postgresql://someone:***@127.0.0.1:1/nowhere');
    expect(err.message).not.toContain('secret');
    expect(err.message).toMatch(/GRANT pg_monitor TO someone/);
  });

  it('a role without CONNECT gets told what to grant', async () => {
    const db = await createTestDatabase('audit_noconnect');
    const role = `audit_nc_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(8).toString('hex');
    try {
      const dbName = new URL(db.url).pathname.slice(1);
      await db.client.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
      await db.client.query(`REVOKE CONNECT ON DATABASE "${dbName}" FROM PUBLIC`);
      const err = await audit({ urls: [withUser(db.url, role, password)] }).catch((e) => e);
      expect(err).toBeInstanceOf(AuditError);
      expect(err.message).toMatch(/permission denied/);
      expect(err.message).toContain(`${role}:***@`);
      expect(err.message).toMatch(new RegExp(`GRANT pg_monitor TO ${role}; \\(and CONNECT on the database\\)`));
    } finally {
      await db.drop();
      await main.client.query(`DROP ROLE IF EXISTS ${role}`).catch(() => {});
    }
  });
});

describe('unused indexes from real scans, on one and several hosts', () => {
  let used: TestDatabase; // the host where u_a was scanned
  let idle: TestDatabase; // same schema, nothing scanned
  const schema = `
    CREATE TABLE u_t (id int PRIMARY KEY, a int, b int, code text);
    INSERT INTO u_t SELECT g, g % 1000, g % 7, 'c' || g FROM generate_series(1, 20000) g;
    CREATE INDEX u_a ON u_t (a);
    CREATE INDEX u_b ON u_t (b);
    CREATE UNIQUE INDEX u_code_uniq ON u_t (code);
    ANALYZE u_t;`;
  beforeAll(async () => {
    [used, idle] = await Promise.all([createTestDatabase('audit_used'), createTestDatabase('audit_idle')]);
    await Promise.all([used.client.query(schema), idle.client.query(schema)]);
    await used.client.query('SET enable_seqscan = off');
    await used.client.query('SET enable_bitmapscan = off');
    for (let i = 0; i < 5; i++) await used.client.query('SELECT count(*) FROM u_t WHERE a = $1', [i]);
    const plan = await used.client.query('EXPLAIN SELECT count(*) FROM u_t WHERE a = 1');
    expect(plan.rows.map((x) => x['QUERY PLAN']).join('\n')).toMatch(/Index Only Scan using u_a|Index Scan using u_a/);
    // Counters reach pg_stat_user_indexes when the backend flushes them: force it now.
    await used.client.query('SELECT pg_stat_force_next_flush()');
    const seen = await idle.client.query(`SELECT 1`); // (another session: keeps the flush honest)
    expect(seen.rowCount).toBe(1);
  });
  afterAll(async () => {
    await Promise.all([used?.drop(), idle?.drop()]);
  });

  const unused = (r: AuditResult) =>
    r.findings
      .filter((f) => f.kind === 'unused')
      .map((f) => f.index)
      .sort();

  it('refuses on statistics younger than --min-stats-age, and reports how young', async () => {
    const r = await audit({ urls: [used.url] });
    expect(unused(r)).toEqual([]);
    expect(r.warnings.join('\n')).toMatch(/statistics too young: \d+ minutes? .*7 days \(--min-stats-age\)/);
    expect(r.hosts?.[0]?.statsSinceSource).toBe('postmaster_start');
  });

  it('with --min-stats-age 0 calls the never-scanned index unused, keeps unique and primary keys', async () => {
    const r = await audit({ urls: [used.url], minStatsAgeDays: 0 });
    expect(unused(r)).toEqual(['u_b']);
    const f = find(r, 'unused', 'u_b')!;
    expect(f.evidence.scans).toBe(0);
    expect(f.evidence.statsAge).toMatch(/minutes?/);
    expect(f.upSql).toEqual(['DROP INDEX CONCURRENTLY IF EXISTS public.u_b;']);
    expect(f.downSql).toEqual(['CREATE INDEX CONCURRENTLY IF NOT EXISTS u_b ON public.u_t USING btree (b);']);
    expect(r.kept).toContainEqual({ index: 'public.u_t_pkey', reason: expect.stringMatching(/0 scans.*primary key/) });
    expect(r.kept).toContainEqual({ index: 'public.u_code_uniq', reason: expect.stringMatching(/uniqueness/) });
    // --max-scans: u_a was scanned 5 times
    const r5 = await audit({ urls: [used.url], minStatsAgeDays: 0, maxScans: 5 });
    expect(unused(r5)).toEqual(['u_a', 'u_b']);
  });

  it('an index is unused only if no host used it (scans summed over hosts, matched by name)', async () => {
    const idleOnly = await audit({ urls: [idle.url, idle.url], minStatsAgeDays: 0 });
    expect(unused(idleOnly)).toEqual(['u_a', 'u_b']);
    expect(find(idleOnly, 'unused', 'u_a')!.evidence.scansByHost).toMatch(/: 0; .*: 0$/);
    const both = await audit({ urls: [idle.url, used.url], minStatsAgeDays: 0 });
    expect(unused(both)).toEqual(['u_b']);
    expect(both.targets).toHaveLength(2);
    expect(both.hosts?.map((h) => h.role)).toEqual(['primary', 'replica']);
  });

  it('counts the statistics window from stats_reset once the statistics were reset', async () => {
    await idle.client.query('SELECT pg_stat_reset()');
    const r = await audit({ urls: [idle.url] });
    expect(r.hosts?.[0]?.statsSinceSource).toBe('stats_reset');
    expect(r.statsAgeSeconds!).toBeLessThan(120);
    expect(r.warnings.join('\n')).not.toMatch(/never reset/);
    expect(r.warnings.join('\n')).toMatch(/statistics too young: [01] minutes?/);
  });

  it('a failing replica is a warning: unused findings are withheld, the rest goes on', async () => {
    await idle.client.query('CREATE INDEX u_a_again ON u_t (a)');
    try {
      const r = await audit({ urls: [idle.url, 'postgresql://rep:pw@127.0.0.1:1/replica'], minStatsAgeDays: 0 });
      expect(unused(r)).toEqual([]);
      expect(find(r, 'duplicate', 'u_a_again')).toBeDefined();
      const w = r.warnings.join('\n');
      expect(w).toContain('postgresql://rep:***@127.0.0.1:1/replica');
      expect(w).toMatch(/Unused indexes are not reported/);
      expect(r.hosts?.[1]?.ok).toBe(false);
    } finally {
      await idle.client.query('DROP INDEX u_a_again');
    }
  });
});

describe('a healthy schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('audit_clean');
    await db.client.query(`
      CREATE TABLE customers (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL, name text);
      CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                           customer_id bigint NOT NULL REFERENCES customers, created_at timestamptz NOT NULL, status text);
      CREATE TABLE order_lines (order_id bigint REFERENCES orders, line int, qty int, PRIMARY KEY (order_id, line));
      INSERT INTO customers (email, name) SELECT 'c' || g || '@x', 'n' || g FROM generate_series(1, 5000) g;
      INSERT INTO orders (customer_id, created_at, status)
        SELECT 1 + g % 5000, now() - g * interval '1 minute', CASE WHEN g % 10 = 0 THEN 'open' ELSE 'done' END
          FROM generate_series(1, 30000) g;
      INSERT INTO order_lines SELECT 1 + g / 3, g % 3, 1 FROM generate_series(0, 29999) g;
      -- secondary indexes built on the loaded tables (indexes filled in random key order are ~30 %
      -- emptier than a fresh build: that is what a REINDEX would give back, so it is not "healthy")
      ALTER TABLE customers ADD CONSTRAINT customers_email_key UNIQUE (email);
      CREATE INDEX orders_customer_created ON orders (customer_id, created_at);
      CREATE INDEX orders_open ON orders (created_at) WHERE status = 'open';
      CREATE INDEX customers_lower_name ON customers (lower(name));
      ANALYZE;`);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('has no finding', async () => {
    const r = await audit({ urls: [db.url] });
    expect(r.findings).toEqual([]);
    expect(r.kept).toEqual([]);
    // the only warnings: young statistics, never reset
    for (const w of r.warnings) expect(w).toMatch(/statistics too young|never reset/);
    expect(auditMigrationUp(r)).toMatch(/-- Nothing to do\./);
  });

  it('and no bloat on freshly built indexes even when every byte counts', async () => {
    const r = await audit({ urls: [db.url], bloatMinBytes: 0 });
    expect(r.findings).toEqual([]);
    expect(r.settings?.bloatSource).toBe('estimate');
    await db.client.query('CREATE EXTENSION pgstattuple');
    const measured = await audit({ urls: [db.url], bloatMinBytes: 0 });
    expect(measured.findings).toEqual([]);
    expect(measured.settings?.bloatSource).toBe('pgstatindex');
  });
});

describe('the migrations run', () => {
  it('up removes what it should and rebuilds the invalid index; down restores the dropped definitions', async () => {
    const c = main.client;
    await c.query('DELETE FROM inv_t WHERE id > 100'); // v = id % 100: keys 1..99,0 once each now
    const before = await audit({ urls: [main.url], bloatMinBytes: 1 * MB });
    const defs = async () =>
      new Map(
        (
          await c.query<{ name: string; def: string; valid: boolean }>(
            `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
               FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
              WHERE n.nspname = 'public'`,
          )
        ).rows.map((x) => [x.name, x]),
      );
    const start = await defs();
    await runMigration(c, auditMigrationUp(before));
    const afterUp = await defs();
    for (const name of ['dup_a2', 'dup_id_copy', 'part_a2', 'Idx Two', 'red_a']) expect(afterUp.has(name), name).toBe(false);
    expect(afterUp.get('inv_v_uniq')?.valid).toBe(true);
    expect(afterUp.has('child_noidx_parent_id_idx')).toBe(true);
    expect(afterUp.has('dup_b_u2')).toBe(true);
    const after = await audit({ urls: [main.url], bloatMinBytes: 1 * MB });
    expect(after.findings.filter((f) => f.action !== 'keep').map(key)).toEqual([]);

    await runMigration(c, auditMigrationDown(before));
    const afterDown = await defs();
    for (const name of ['dup_a2', 'dup_id_copy', 'part_a2', 'Idx Two', 'red_a'])
      expect(afterDown.get(name)?.def).toBe(start.get(name)?.def);
    expect(afterDown.has('child_noidx_parent_id_idx')).toBe(false);
  });
});

describe('schema checks: mostly NULL keys, booleans, arrays, foreign key types, duplicate foreign keys', () => {
  let db: TestDatabase;
  let r: AuditResult;
  beforeAll(async () => {
    db = await createTestDatabase('audit_checks');
    await db.client.query(`
      -- mostly NULL leading keys (90 % NULL), and look-alikes that are not
      CREATE TABLE mn_parent_t (id int PRIMARY KEY);
      INSERT INTO mn_parent_t SELECT g FROM generate_series(1, 50000) g;
      CREATE TABLE mn_t (id int PRIMARY KEY, parent_id int REFERENCES mn_parent_t, note text, code text NOT NULL,
                         ext_ref text, half int);
      INSERT INTO mn_t SELECT g, CASE WHEN g % 10 = 0 THEN g END, CASE WHEN g % 10 = 0 THEN 'note ' || g END, 'c' || g,
                              CASE WHEN g % 5 = 0 THEN 'r' || g END, CASE WHEN g % 10 < 7 THEN g END
        FROM generate_series(1, 50000) g;
      CREATE INDEX mn_parent ON mn_t (parent_id);
      CREATE INDEX mn_note_code ON mn_t (note, code);
      CREATE UNIQUE INDEX mn_ext_ref_u ON mn_t (ext_ref);
      CREATE INDEX mn_parent_big ON mn_t (parent_id) WHERE parent_id > 40000;
      CREATE INDEX mn_half ON mn_t (half);
      CREATE INDEX mn_code ON mn_t (code);

      -- boolean leading keys: one rare value (2 % true), one even split; boolean not leading; partial on the rare value
      CREATE TABLE bool_t (id int PRIMARY KEY, archived boolean NOT NULL, active boolean, ts timestamptz);
      INSERT INTO bool_t SELECT g, g % 50 = 0, g % 2 = 0, now() - g * interval '1 minute' FROM generate_series(1, 20000) g;
      CREATE INDEX bool_archived ON bool_t (archived);
      CREATE INDEX bool_active_ts ON bool_t (active, ts);
      CREATE INDEX bool_ts_active ON bool_t (ts, active);
      CREATE INDEX bool_ts_archived ON bool_t (id) WHERE archived;

      -- array columns: b-trees on text[] and on a domain over int[]; GIN and INCLUDE are fine
      CREATE DOMAIN int_list AS int[];
      CREATE TABLE arr_t (id int PRIMARY KEY, n int, tags text[], nums int[], lst int_list);
      INSERT INTO arr_t SELECT g, g, ARRAY['t' || g % 7], ARRAY[g % 5], ARRAY[g % 3] FROM generate_series(1, 1000) g;
      CREATE INDEX arr_tags ON arr_t (tags);
      CREATE INDEX arr_lst ON arr_t (lst);
      CREATE INDEX arr_nums_gin ON arr_t USING gin (nums);
      CREATE INDEX arr_n_inc ON arr_t (n) INCLUDE (tags);

      -- foreign key types: int4 → int8 differs; a domain over bigint and bigint itself do not
      CREATE DOMAIN big_id AS bigint;
      CREATE TABLE big_parent (id bigint PRIMARY KEY);
      CREATE TABLE int_child (id int PRIMARY KEY, parent_id int REFERENCES big_parent);
      CREATE INDEX int_child_parent ON int_child (parent_id);
      CREATE TABLE dom_child (id int PRIMARY KEY, parent_id big_id REFERENCES big_parent);
      CREATE INDEX dom_child_parent ON dom_child (parent_id);
      CREATE TABLE big_child (id int PRIMARY KEY, parent_id bigint REFERENCES big_parent);
      CREATE INDEX big_child_parent ON big_child (parent_id);

      -- duplicate foreign keys: the same pairs written in another order; a crossed mapping is another constraint
      CREATE TABLE dfk_parent (a int, b int, PRIMARY KEY (a, b));
      CREATE TABLE dfk_child (id int PRIMARY KEY, a int, b int);
      CREATE INDEX dfk_child_a_b ON dfk_child (a, b);
      ALTER TABLE dfk_child ADD CONSTRAINT dfk_1 FOREIGN KEY (a, b) REFERENCES dfk_parent (a, b);
      ALTER TABLE dfk_child ADD CONSTRAINT dfk_2 FOREIGN KEY (b, a) REFERENCES dfk_parent (b, a) ON DELETE CASCADE;
      ALTER TABLE dfk_child ADD CONSTRAINT dfk_cross FOREIGN KEY (b, a) REFERENCES dfk_parent (a, b);
      ANALYZE;`);
    r = await audit({ urls: [db.url] });
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('finds each planted problem and nothing on the look-alikes', () => {
    expect(r.findings.map((f) => `${key(f)}:${f.action}`).sort()).toEqual(
      [
        'mostly-null-index:mn_parent:replace',
        'mostly-null-index:mn_note_code:review',
        'mostly-null-index:mn_ext_ref_u:review',
        'boolean-index:bool_archived:review',
        'boolean-index:bool_active_ts:review',
        'btree-array-index:arr_tags:review',
        'btree-array-index:arr_lst:review',
        'fk-type-mismatch:int_child:review',
        'duplicate-fk:dfk_child:review',
      ].sort(),
    );
    expect(r.settings?.nullFrac).toBe(0.5);
  });

  it('mostly NULL: a partial index WHERE col IS NOT NULL, with the size it gives back; report only for unique and multicolumn', () => {
    const f = find(r, 'mostly-null-index', 'mn_parent')!;
    expect(f.evidence.nullFrac as number).toBeCloseTo(0.9, 2);
    expect(f.upSql[0]).toBe(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS mn_parent_not_null ON public.mn_t USING btree (parent_id) WHERE (parent_id IS NOT NULL);',
    );
    expect(f.upSql[2]).toBe('DROP INDEX CONCURRENTLY IF EXISTS public.mn_parent;');
    expect(f.reclaimableBytes!).toBeGreaterThan(0);
    expect(f.evidence.estimatedPartialBytes as number).toBeLessThan(f.bytes!);
    const u = find(r, 'mostly-null-index', 'mn_ext_ref_u')!;
    expect(u.summary).toMatch(/UNIQUE.*ON CONFLICT/);
    expect(find(r, 'mostly-null-index', 'mn_note_code')!.summary).toMatch(/more key columns/);
    for (const x of [u, find(r, 'mostly-null-index', 'mn_note_code')!]) expect(x.upSql.every((l) => l.startsWith('--'))).toBe(true);
  });

  it('boolean: proposes the partial index on the rare value, says when neither is rare', () => {
    const a = find(r, 'boolean-index', 'bool_archived')!;
    expect(a.evidence.trueShare as number).toBeCloseTo(0.02, 2);
    expect(a.upSql).toContain(
      '-- CREATE INDEX CONCURRENTLY IF NOT EXISTS bool_archived_where_archived ON public.bool_t (archived) WHERE archived;',
    );
    const b = find(r, 'boolean-index', 'bool_active_ts')!;
    expect(b.summary).toMatch(/Neither value is rare/);
  });

  it('arrays: GIN proposed as a comment, for a domain over an array too', () => {
    expect(find(r, 'btree-array-index', 'arr_tags')!.upSql).toContain(
      '-- CREATE INDEX CONCURRENTLY IF NOT EXISTS arr_t_tags_gin_idx ON public.arr_t USING gin (tags);',
    );
    expect(find(r, 'btree-array-index', 'arr_lst')!.evidence.types).toBe('int_list');
  });

  it('foreign keys: the type that differs, and the duplicate that goes (the constraint as a comment, never run)', () => {
    const m = find(r, 'fk-type-mismatch', 'int_child')!;
    expect(m.evidence).toMatchObject({ types: 'integer', referencedTypes: 'bigint', references: 'public.big_parent' });
    expect(m.upSql).toContain('-- ALTER TABLE public.int_child ALTER COLUMN parent_id TYPE bigint;');
    const d = find(r, 'duplicate-fk', 'dfk_child')!;
    expect(d.foreignKey?.name).toBe('dfk_2');
    expect(d.evidence.duplicateOf).toBe('dfk_1');
    expect(d.evidence.sameBehaviour).toBe(false); // ON DELETE CASCADE on one of them
    expect(d.upSql).toContain('-- ALTER TABLE public.dfk_child DROP CONSTRAINT dfk_2;');
  });

  it('the migration runs only the replacement: it stops while the new index is invalid, and down restores the old one', async () => {
    const c = db.client;
    const up = auditMigrationUp(r);
    expect(up).not.toMatch(
      /^(ALTER|CREATE INDEX CONCURRENTLY IF NOT EXISTS (bool|arr)|DROP INDEX CONCURRENTLY IF EXISTS public\.(bool|arr|mn_note|mn_ext))/m,
    );
    // a failed earlier build left an INVALID index under the new name: the DO block stops before the drop
    await c.query('CREATE TABLE scratch_dups (v int)');
    await c.query('INSERT INTO scratch_dups VALUES (1), (1)');
    await expect(c.query('CREATE UNIQUE INDEX CONCURRENTLY mn_parent_not_null ON scratch_dups (v)')).rejects.toThrow(/could not create/);
    await expect(runMigration(c, up)).rejects.toThrow(/mn_parent_not_null is missing or INVALID/);
    const exists = async (name: string) =>
      (await c.query(`SELECT i.indisvalid AS valid FROM pg_index i WHERE i.indexrelid = to_regclass($1)`, [`public.${name}`])).rows[0];
    expect(await exists('mn_parent')).toEqual({ valid: true });
    await c.query('DROP INDEX mn_parent_not_null');
    await c.query('DROP TABLE scratch_dups');

    await runMigration(c, up);
    expect(await exists('mn_parent')).toBeUndefined();
    expect(await exists('mn_parent_not_null')).toEqual({ valid: true });
    await c.query('ANALYZE');
    const after = await audit({ urls: [db.url] });
    // the partial index serves the foreign key; nothing left to run
    expect(after.findings.filter((f) => f.action !== 'review' && f.action !== 'keep').map(key)).toEqual([]);
    expect(find(after, 'missing-fk-index', 'mn_t')).toBeUndefined();

    await runMigration(c, auditMigrationDown(r));
    expect(await exists('mn_parent')).toEqual({ valid: true });
    expect(await exists('mn_parent_not_null')).toBeUndefined();
    const restored = await c.query(`SELECT pg_get_indexdef('public.mn_parent'::regclass) AS def`);
    expect(restored.rows[0].def).toBe('CREATE INDEX mn_parent ON public.mn_t USING btree (parent_id)');
  });
});
