// The history through the real pipeline, on both stores: two nightly runs a day apart (an
// injected clock), the second after more workload and one recommended index built for real. The
// second report's diff says which was applied with its statements' mean time before and after,
// the other still open, and its window holds only the second replay's calls. Then the stores on
// their own: the lock (a second run is refused; a stale lock file is taken over), the schema the
// advisor creates and migrates in a history database.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../src/history/postgresStore.js';
import { HistoryLockedError, openHistory, targetKey } from '../src/history/store.js';
import { nightlyWithHistory } from '../src/nightlyHistory.js';
import { adviceHtml } from '../src/report/html.js';
import { adviceMarkdown } from '../src/report/markdown.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';

const DAY1 = new Date('2026-11-20T02:00:00.000Z');
const DAY2 = new Date('2026-11-21T02:00:00.000Z');

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pgia-history-'));
  dirs.push(d);
  return d;
};

let store: TestDatabase;
const targets: TestDatabase[] = [];

beforeAll(async () => {
  store = await createTestDatabase('history_store');
}, 120_000);

afterAll(async () => {
  for (const t of targets) await t.drop();
  await store?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function target(name: string): Promise<TestDatabase> {
  const db = await createTestDatabase(name);
  targets.push(db);
  await db.client.query(`
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total numeric NOT NULL);
    CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL, shelf int NOT NULL);
    INSERT INTO orders SELECT g, g % 20000, g % 1000 FROM generate_series(1, 200000) g;
    INSERT INTO items SELECT g, 'sku-' || g, g % 50 FROM generate_series(1, 100000) g;
    ANALYZE orders; ANALYZE items;`);
  // The window of a first run is everything since the reset: the loading above is not the workload.
  await resetStatementStats(db.client);
  return db;
}

/** The application's workload: `orders` lookups by customer, `items` lookups by sku. */
async function replay(db: TestDatabase, orders: number, items: number): Promise<void> {
  for (let i = 0; i < orders; i++) await db.client.query('SELECT id, total FROM orders WHERE customer_id = $1', [i * 7]);
  for (let i = 0; i < items; i++) await db.client.query('SELECT id, shelf FROM items WHERE sku = $1', [`sku-${i * 13}`]);
}

const callsOf = (r: AdviceResult, table: string) =>
  r.statements.filter((s) => s.query.includes(`FROM ${table}`)).reduce((n, s) => n + s.calls, 0);

describe.each(['folder', 'postgres'] as const)('two nightly runs a day apart (%s history)', (kind) => {
  let db: TestDatabase;
  let first: AdviceResult;
  let second: AdviceResult;
  let history: string;

  beforeAll(async () => {
    db = await target(`history_${kind}`);
    history = kind === 'folder' ? tempDir() : store.url;
    await replay(db, 60, 40);
    first = await nightlyWithHistory({ url: db.url, history, clock: () => DAY1, concurrency: 1 });
    // The team applies one recommendation: the orders index, built for real with the recommended definition.
    const applied = first.recommendations.find((r) => r.candidate.table === 'orders')!;
    await db.client.query(applied.definition);
    await db.client.query('ANALYZE orders');
    await replay(db, 30, 20);
    second = await nightlyWithHistory({ url: db.url, history, clock: () => DAY2, concurrency: 1 });
  }, 300_000);

  it('the first run: both recommendations new, the window everything so far', () => {
    expect(first.recommendations.map((r) => r.name).sort()).toEqual(['items_sku_idx', 'orders_customer_id_idx']);
    expect(first.history!.diff.previousRun).toBeNull();
    expect(first.history!.diff.recommendations.new).toHaveLength(2);
    expect(first.history!.window.calls).toBe(100);
  });

  it('the second: one applied, with its statement before and after; the other still open', () => {
    const d = second.history!.diff;
    expect(d.previousRun).toBe(DAY1.toISOString());
    expect(d.recommendations.applied.map((a) => [a.index, a.foundOn, a.statements.length])).toEqual([
      ['orders_customer_id_idx', DAY2.toISOString(), 1],
    ]);
    const a = d.recommendations.applied[0]!;
    expect(a.meanMsBefore).toBeGreaterThan(0);
    expect(a.meanMsAfter).toBeGreaterThan(0);
    // a sequential scan of 200,000 rows against an index lookup: a hundredfold apart, not a matter of timing noise
    expect(a.meanMsAfter!).toBeLessThan(a.meanMsBefore!);
    expect(d.recommendations.open.map((r) => [r.name, r.runs, r.firstSeen])).toEqual([['items_sku_idx', 2, DAY1.toISOString()]]);
    expect(d.recommendations.new).toEqual([]);
    expect(d.recommendations.withdrawn).toEqual([]);
    expect(second.recommendations.map((r) => r.name)).toEqual(['items_sku_idx']);
  });

  it("the second run's window covers only the second replay", () => {
    expect(second.history!.window).toMatchObject({ mode: 'last', since: DAY1.toISOString(), calls: 50, statsReset: false });
    expect(callsOf(second, 'orders')).toBe(30);
    expect(callsOf(second, 'items')).toBe(20);
  });

  it("advice.html's time chart gets each run's mean time of the night's statements", () => {
    const times = second.history!.times ?? [];
    const dates = [...new Set(times.map((t) => t.date))].sort();
    expect(dates).toEqual([DAY1.toISOString(), DAY2.toISOString()]);
    for (const t of times) expect(t.meanMs).toBeGreaterThan(0);
    expect(adviceHtml(second)).not.toContain('No history yet');
  });

  it('advice.md opens with what changed', () => {
    const md = adviceMarkdown(second);
    const changes = md.indexOf('## Since the previous run');
    expect(changes).toBeGreaterThan(0);
    expect(changes).toBeLessThan(md.indexOf('## Recommended indexes'));
    expect(md).toMatch(
      /\*\*Applied\*\* `orders_customer_id_idx` \(found in the catalog on 2026-11-21; recommended since 2026-11-20\): its 1 statement went from [\d.]+ (ms|s) to [\d.]+ ms a call/,
    );
    expect(md).toMatch(/Still open: `CREATE INDEX items_sku_idx ON public\.items \(sku\)` \(seen on 2 runs since 2026-11-20\)/);
    expect(md).toMatch(/- Window \(since the previous run\): 2026-11-20T02:00:00.000Z → 2026-11-21T02:00:00.000Z, 50 calls/);
  });

  it('the history holds both snapshots, with the counters per queryid, user and database', async () => {
    const h = await openHistory(history);
    try {
      const snaps = await h.snapshots(targetKey(db.url));
      expect(snaps.map((s) => s.takenAt)).toEqual([DAY1.toISOString(), DAY2.toISOString()]);
      const orders = snaps[1]!.counters.statements.find((s) => s.query.startsWith('SELECT id, total FROM orders'))!;
      expect(orders).toMatchObject({ calls: 90 });
      expect(orders.userid).toBeGreaterThan(0);
      expect(orders.dbid).toBeGreaterThan(0);
      expect(snaps[1]!.counters.indexes.map((i) => i.name)).toContain('orders_customer_id_idx');
      expect(snaps[1]!.counters.tables.map((t) => t.name).sort()).toEqual(['items', 'orders']);
      expect(snaps[1]!.recommendations.map((r) => r.name)).toEqual(['items_sku_idx']);
      // the plan's index use, which tells a regression whose plan changed
      expect(snaps[0]!.plans![orders.queryid]).toEqual([]);
      expect(snaps[1]!.plans![orders.queryid]).toEqual(['orders_customer_id_idx']);
    } finally {
      await h.close();
    }
  });
});

describe('what real servers do between two runs', () => {
  it('entries reset (this database only) and run again: counted from zero, evicted ones said so; a new statement counted whole', async () => {
    const db = await target('history_backwards');
    const history = tempDir();
    await replay(db, 30, 30);
    await nightlyWithHistory({ url: db.url, history, clock: () => DAY1, concurrency: 1, audit: false });
    // pg_stat_statements_reset(0, dbid, 0): the database's entries go; stats_reset does not move (only a full reset moves it).
    await resetStatementStats(db.client);
    await replay(db, 5, 0);
    await db.client.query('SELECT id FROM orders WHERE total = $1', [3]);
    const r = await nightlyWithHistory({ url: db.url, history, clock: () => DAY2, concurrency: 1, audit: false });
    const w = r.history!.window;
    expect(w).toMatchObject({ statsReset: false, calls: 6 });
    expect(w.wentBackwards).toBeGreaterThanOrEqual(1); // the orders lookup: 30 calls before, 5 now
    expect(w.evicted).toBeGreaterThanOrEqual(1); // the items lookup did not come back
    expect(w.newEntries).toBeGreaterThanOrEqual(1); // the lookup by total
    expect(callsOf(r, 'orders')).toBe(6);
  }, 300_000);
});

describe('the lock: two runs against the same target never overlap', () => {
  it.each(['folder', 'postgres'] as const)('%s: a second run is refused while the first holds it, and may run after', async (kind) => {
    const history = kind === 'folder' ? tempDir() : store.url;
    const a = await openHistory(history);
    const b = await openHistory(history);
    try {
      const release = await a.lock('db:5432/app');
      await expect(b.lock('db:5432/app')).rejects.toThrow(HistoryLockedError);
      await expect(b.lock('db:5432/app')).rejects.toThrow(/another run against db:5432\/app is on/);
      // another target is not held up
      await (await b.lock('db:5432/other'))();
      await release();
      await (await b.lock('db:5432/app'))();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('folder: a lock file left by a process that is gone is taken over', async () => {
    const dir = tempDir();
    const h = await openHistory(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const release = await h.lock('db:5432/app'); // creates the folder
    await release();
    writeFileSync(
      join(dir, 'db_5432_app', 'lock'),
      JSON.stringify({ pid: Number(dead.stdout), host: (await import('node:os')).hostname(), startedAt: DAY1.toISOString() }),
    );
    await (await h.lock('db:5432/app'))();
  });

  it('the CLI exits with status 5 and says who holds the lock; the target is not touched', async () => {
    const db = await createTestDatabase('history_cli_lock');
    targets.push(db);
    const dir = tempDir();
    const h = await openHistory(dir);
    const release = await h.lock(targetKey(db.url));
    try {
      const r = spawnSync(process.execPath, ['bin/pg-index-advisor.js', 'advise', '--db', db.url, '--history', dir, '--out', tempDir()], {
        encoding: 'utf8',
      });
      expect(r.status).toBe(5);
      expect(r.stderr).toMatch(new RegExp(`^error: another run against .* is on \\(pid ${process.pid} on .*; this run did nothing`));
    } finally {
      await release();
    }
  });

  it('is on the history database, so a read-only target (a replica) can be advised', async () => {
    const db = await target('history_readonly');
    await db.client.query(`ALTER DATABASE ${db.url.split('/').pop()} SET default_transaction_read_only = on`);
    await replay(db, 5, 5);
    const r = await nightlyWithHistory({ url: db.url, history: store.url, clock: () => DAY1, concurrency: 1, audit: false });
    expect(r.history!.window.calls).toBe(10);
  }, 120_000);
});

describe('the history database', () => {
  it('creates its schema once and says so by version; an older advisor refuses a newer schema', async () => {
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    try {
      expect(await migrate(client)).toBe(MIGRATIONS.length);
      expect(await migrate(client)).toBe(MIGRATIONS.length);
      const v = await client.query('SELECT version FROM pgia_history.schema_version');
      expect(v.rows).toEqual([{ version: MIGRATIONS.length }]);
      const cols = await client.query(
        `SELECT column_name FROM information_schema.columns WHERE table_schema = 'pgia_history' AND table_name = 'statement_counters' ORDER BY ordinal_position`,
      );
      expect(cols.rows.map((r) => r.column_name)).toEqual(
        expect.arrayContaining(['snapshot_id', 'queryid', 'userid', 'dbid', 'calls', 'total_exec_ms', 'rows']),
      );
      await client.query('UPDATE pgia_history.schema_version SET version = version + 1');
      await expect(migrate(client)).rejects.toThrow(/newer than this advisor knows/);
      await client.query('UPDATE pgia_history.schema_version SET version = version - 1');
    } finally {
      await client.end();
    }
  });
});

describe('--fail-on and --summary', () => {
  it('exit status 2 when the report holds advice, with the summary written; 0 without --fail-on', async () => {
    const db = await target('history_failon');
    await replay(db, 20, 0);
    const dir = tempDir();
    const summary = join(dir, 'summary.md');
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['bin/pg-index-advisor.js', 'advise', '--db', db.url, '--out', tempDir(), '--no-audit', ...args], {
        encoding: 'utf8',
        env: { ...process.env, GITHUB_STEP_SUMMARY: summary },
      });
    const failing = cli(['--fail-on', 'new-advice', '--summary', 'github', '--history', dir]);
    expect(failing.stderr).toMatch(/failing \(--fail-on new-advice\): 1 new index recommendation/);
    expect(failing.status).toBe(2);
    const text = readFileSync(summary, 'utf8');
    expect(text).toMatch(/### pg-index-advisor/);
    expect(text).toMatch(/\*\*Failed:\*\* 1 new index recommendation/);
    expect(text).toMatch(/orders_customer_id_idx.*\(new\)/);
    // The same advice the next night is not new: --fail-on new-advice passes, --fail-on advice does not.
    await replay(db, 20, 0);
    expect(cli(['--fail-on', 'new-advice', '--history', dir]).status).toBe(0);
    await replay(db, 20, 0);
    expect(cli(['--fail-on', 'advice', '--history', dir]).status).toBe(2);
    expect(cli(['--fail-on', 'nonsense']).status).toBe(1);
  }, 300_000);
});

describe('the role docs/schedules.md grants', () => {
  it("pg_monitor, pg_read_all_data and read-only by default: sees every role's statements and gets the same advice", async () => {
    const db = await target('history_role');
    const role = `pgia_advisor_${Math.random().toString(36).slice(2, 8)}`;
    await db.client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'secret-pw'`);
    try {
      await db.client.query(`ALTER ROLE ${role} SET default_transaction_read_only = on`);
      await db.client.query(`GRANT pg_monitor, pg_read_all_data TO ${role}`);
      await replay(db, 20, 0); // run by the superuser, another role: the advisor must see it
      const u = new URL(db.url);
      u.username = role;
      u.password = 'secret-pw';
      const r = await nightlyWithHistory({ url: u.toString(), history: tempDir(), clock: () => DAY1, concurrency: 1 });
      expect(r.history!.window.calls).toBe(20);
      expect(r.recommendations.map((x) => x.name)).toEqual(['orders_customer_id_idx']);
      expect(r.warnings.join(' ')).not.toMatch(/hidden/);
      expect(r.audit).toBeDefined();
    } finally {
      await db.client.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${role}'`);
      await db.drop(); // the role owns nothing there, but may still be connected
      await store.client.query(`DROP ROLE IF EXISTS ${role}`);
    }
  }, 120_000);
});
