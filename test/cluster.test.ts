// The test server really is PostgreSQL with pg_stat_statements and hypopg, and throwaway
// clusters clean up after themselves.
import { existsSync } from 'node:fs';
import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startThrowawayCluster } from '../tools/cluster/cluster.js';
import { findPostgresInstalls } from '../tools/cluster/setup.js';
import { cachedPortablePostgres, DEFAULT_PORTABLE_MAJOR } from '../tools/portable/portable.js';
import { createTestDatabase, type TestDatabase, urlForDatabase } from './support/db.js';

const external = !!process.env.PGIA_DATABASE_URL;

describe('shared test server', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('cluster_test');
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('answers select version()', async () => {
    const { rows } = await db.client.query<{ version: string }>('select version()');
    expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/);
  });

  it('tracks statements in pg_stat_statements', async () => {
    await db.client.query('select 4242 as pgia_marker_column');
    const { rows } = await db.client.query<{ query: string; calls: string }>(
      `select query, calls from pg_stat_statements
        where query like '%pgia_marker_column%' and query not like '%pg_stat_statements%'
          -- the view is server-wide: other databases (other test files, earlier runs) show up too
          and dbid = (select oid from pg_database where datname = current_database())`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.query).toMatch(/select \$1 as pgia_marker_column/i);
    expect(Number(rows[0]?.calls)).toBe(1);
  });

  it('lets the planner use a hypopg index', async () => {
    await db.client.query('create table t (a int, b text)');
    await db.client.query(`insert into t select g, md5(g::text) from generate_series(1, 100000) g`);
    await db.client.query('analyze t');
    const plan = async () =>
      (await db.client.query<{ 'QUERY PLAN': string }>('explain select * from t where a = 1')).rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(await plan()).toMatch(/Seq Scan on t/);
    const { rows } = await db.client.query<{ indexname: string }>(`select indexname from hypopg_create_index('CREATE INDEX ON t(a)')`);
    expect(rows[0]?.indexname).toMatch(/^<\d+>btree_t_a$/);
    expect(await plan()).toMatch(/Index Scan using "?<\d+>btree_t_a"? on t/);
    await db.client.query('select hypopg_reset()');
    expect(await plan()).toMatch(/Seq Scan on t/);
  });

  it('gives each test database its own name on the same server', async () => {
    const other = await createTestDatabase('cluster_test');
    try {
      expect(other.url).not.toBe(db.url);
      const { rows } = await other.client.query<{ db: string }>('select current_database() as db');
      expect(other.url).toBe(urlForDatabase(inject('pgUrl'), rows[0]!.db));
      const ext = await other.client.query<{ extname: string }>('select extname from pg_extension order by 1');
      expect(ext.rows.map((r) => r.extname)).toEqual(expect.arrayContaining(['hypopg', 'pg_stat_statements']));
    } finally {
      await other.drop();
      await other.drop(); // idempotent
    }
  });
});

describe('urlForDatabase', () => {
  it('swaps only the database', () => {
    expect(urlForDatabase('postgresql://postgres@127.0.0.1:5433/advisor_test', 'x_1')).toBe('postgresql://postgres@127.0.0.1:5433/x_1');
    expect(urlForDatabase('postgres://u:p%40ss@h:1/a?sslmode=disable', 'b')).toBe('postgres://u:p%40ss@h:1/b?sslmode=disable');
  });
});

describe.skipIf(external)('local PostgreSQL installs', () => {
  it('finds at least one install with hypopg and pg_stat_statements (the portable build where there is no local one)', () => {
    const installs = findPostgresInstalls();
    if (installs.length === 0) {
      expect(cachedPortablePostgres(DEFAULT_PORTABLE_MAJOR)).toBeDefined();
      return;
    }
    const good = installs.filter((i) => i.hypopg && i.pgStatStatements);
    expect(good.length).toBeGreaterThan(0);
    expect(good[0]!.version).toBeGreaterThanOrEqual(13);
    expect(existsSync(`${good[0]!.binDir}/pg_ctl`)).toBe(true);
  });

  it('startThrowawayCluster starts a server and stop() removes its data dir and frees its port', async () => {
    const cluster = await startThrowawayCluster({ database: 'pgia_stop_test', install: false });
    expect(cluster.url).toBe(`postgresql://postgres@127.0.0.1:${cluster.port}/pgia_stop_test`);
    expect(existsSync(cluster.dataDir)).toBe(true);
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    const { rows } = await client.query<{ extname: string }>('select extname from pg_extension order by 1');
    expect(rows.map((r) => r.extname)).toEqual(expect.arrayContaining(['hypopg', 'pg_stat_statements']));
    // pg_qualstats is preloaded exactly when it is installed (optional), and not created in databases.
    const preload = await client.query<{ v: string }>("select current_setting('shared_preload_libraries') as v");
    expect(/\bpg_qualstats\b/.test(preload.rows[0]!.v)).toBe(cluster.pgQualstats);
    expect(rows.map((r) => r.extname)).not.toContain('pg_qualstats');
    await client.end();

    await cluster.stop();
    expect(existsSync(cluster.dataDir)).toBe(false);
    await expect(canBind(cluster.port)).resolves.toBe(true);
    await cluster.stop(); // idempotent
  });
});

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}
