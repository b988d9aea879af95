// Faults a night on a busy server brings, through the built CLI against the real test server: each
// run ends with a report that names what was skipped and why, and the exit status says how it went
// (README, "Exit status" and the error policy below it). A server restart and another lc_messages,
// which need a server of their own, are in faultsServer.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';
import {
  closeGate,
  createGate,
  openGate,
  readAdvice,
  readMarkdown,
  startCli,
  terminateAdvisor,
  waitAtGate,
  whileLocked,
} from './support/faults.js';

let db: TestDatabase;
let dbName: string;
const outDirs: string[] = [];
const out = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgia-faults-'));
  outDirs.push(dir);
  return dir;
};

/** Runs `sql` `n` times (with the constants given), so that pg_stat_statements holds it. */
async function workload(client: pg.Client, statements: Array<[sql: string, params: unknown[]]>, n = 20): Promise<void> {
  for (let i = 0; i < n; i++) for (const [sql, params] of statements) await client.query(sql, params);
}

beforeAll(async () => {
  db = await createTestDatabase('faults');
  dbName = new URL(db.url).pathname.slice(1);
  await db.client.query(`
    CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL, shelf int NOT NULL);
    INSERT INTO items SELECT i, 'sku-' || i, i % 50 FROM generate_series(1, 100000) i;
    -- With a foreign key: the audit reads the size of the tables foreign keys are on.
    CREATE TABLE locked_t (id int PRIMARY KEY, code text NOT NULL, item_id int REFERENCES items);
    INSERT INTO locked_t SELECT i, 'c' || i, i FROM generate_series(1, 50000) i;
    -- Holds the name the advice would give its index on items (sku): taken, even while its table is locked.
    CREATE INDEX items_sku_idx ON locked_t (code);
    CREATE TABLE secrets (id int PRIMARY KEY, owner text NOT NULL);
    INSERT INTO secrets SELECT i, 'o' || i FROM generate_series(1, 50000) i;
    ANALYZE items; ANALYZE locked_t; ANALYZE secrets;
    -- Planning a statement that calls it takes 20 ms at least: past any 1 ms statement timeout.
    CREATE FUNCTION slow() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN 1; END $$;`);
  await createGate(db.client);
}, 120_000);

afterAll(async () => {
  await db?.drop();
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

/** The lookup and the gated statement as the workload, the gate closed, and `advise` started: it waits inside the gated EXPLAIN. */
async function startGatedAdvice(): Promise<{ dir: string; run: ReturnType<typeof startCli> }> {
  await resetStatementStats(db.client);
  await workload(db.client, [
    ['SELECT id FROM items WHERE sku = $1', ['sku-7']],
    ['SELECT count(*) FROM items WHERE shelf = gate() + $1', [3]],
  ]);
  await closeGate(db.client);
  const dir = out();
  return { dir, run: startCli(['advise', '--db', db.url, '--out', dir]) };
}

describe('a night on a busy server', () => {
  it('a table locked ACCESS EXCLUSIVE for the whole run: its statement is skipped (55P03), the rest advised', async () => {
    await resetStatementStats(db.client);
    await workload(db.client, [
      ['SELECT id FROM items WHERE sku = $1', ['sku-7']],
      ['SELECT id FROM locked_t WHERE code = $1', ['c7']],
    ]);
    const dir = out();
    const r = await whileLocked(db.url, 'locked_t', () => startCli(['advise', '--db', db.url, '--out', dir]));
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status, r.stderr).toBe(0);
    const advice = readAdvice(dir);
    const locked = advice.notAdvisable.find((n) => n.query.includes('locked_t'));
    expect(locked?.reason).toMatch(/SQLSTATE 55P03, lock timeout/);
    expect(advice.warnings.join('\n')).toMatch(/public\.locked_t: locked ACCESS EXCLUSIVE by another session/);
    expect(advice.recommendations.map((x) => x.definition)).toContain('CREATE INDEX items_sku_idx_2 ON public.items (sku)');
    expect(advice.partial).toBeUndefined();
    // The audit ran too, without the locked table, and says so.
    expect(advice.warnings.join('\n')).not.toMatch(/audit of existing indexes failed/);
    expect((advice.audit as { warnings: string[] }).warnings.join('\n')).toMatch(/public\.locked_t: locked ACCESS EXCLUSIVE .*not audited/);
    expect(readMarkdown(dir)).toMatch(/## Statements that could not be advised[\s\S]*locked_t[\s\S]*55P03/);
  });

  it('the advisor’s backends terminated mid-run: it reconnects, costs again and finishes (exit 0)', async () => {
    const { dir, run } = await startGatedAdvice();
    try {
      // Held inside the EXPLAIN of the gated statement: the termination lands mid-selection.
      await waitAtGate(db.url, dbName);
      expect((await terminateAdvisor(db.client, dbName)).length).toBeGreaterThan(0);
    } finally {
      await openGate(db.client);
    }
    const r = await run;
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.status, r.stderr).toBe(0);
    const advice = readAdvice(dir);
    expect(advice.partial).toBeUndefined();
    expect(advice.warnings.join('\n')).toMatch(/connection was lost \(.*SQLSTATE 57P01.*\); the advisor reconnected/);
    expect(advice.recommendations.map((x) => x.definition).join('\n')).toMatch(/ON public\.items \(sku\)/);
    // The gated statement was costed after all, on the new connection.
    expect(advice.statements.find((s) => s.query.includes('gate()'))?.costBefore).toBeGreaterThan(0);
    expect(readMarkdown(dir)).toMatch(/the advisor reconnected/);
  });

  it('terminated again after the reconnection: a partial report, marked, with exit status 4', async () => {
    const { dir, run } = await startGatedAdvice();
    try {
      const first = await waitAtGate(db.url, dbName);
      const gone = await terminateAdvisor(db.client, dbName);
      expect(gone).toContain(first);
      // The job is retried on a new connection, which the gate holds again: end that one too.
      await waitAtGate(db.url, dbName, gone, 'the gate again after reconnecting');
      expect((await terminateAdvisor(db.client, dbName)).length).toBeGreaterThan(0);
    } finally {
      await openGate(db.client);
    }
    const r = await run;
    expect(r.status, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/^error: partial report: the connection to the server was lost while costing statements/m);
    const advice = readAdvice(dir);
    expect(advice.partial?.during).toBe('costing statements with hypothetical indexes');
    expect(advice.partial?.error).toMatch(/SQLSTATE 57P01|Connection terminated|not queryable/);
    expect(advice.partial?.missing).toEqual(expect.arrayContaining(['the audit of existing indexes']));
    expect(advice.partial?.missing.join('\n')).toMatch(/selection of hypothetical indexes did not finish/);
    expect(advice.audit).toBeUndefined();
    // What it had stays in the report: the statements, and the gated one without the cost it never got.
    expect(advice.partial?.recommendationsComplete).toBe(false);
    expect(advice.statements.find((s) => s.query.includes('gate()'))).toMatchObject({ costBefore: null });
    const md = readMarkdown(dir);
    expect(md.split('\n')[2]).toMatch(/^> \*\*Partial report:\*\* the run ended early/);
    expect(md).toMatch(/> - the audit of existing indexes/);
    expect(md).toMatch(/## Recommended indexes\n\nNone: the run ended before the selection finished/);
  });

  it('--statement-timeout 1ms: every statement skipped with the timeout as its reason, report written, exit status 3', async () => {
    await resetStatementStats(db.client);
    await workload(
      db.client,
      [
        ['SELECT id FROM items WHERE shelf = slow() + $1', [3]],
        ['SELECT sku FROM items WHERE id = slow() + $1', [5]],
      ],
      5,
    );
    const dir = out();
    const r = await startCli(['advise', '--db', db.url, '--out', dir, '--statement-timeout', '1ms']);
    expect(r.status, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/^error: no statement was analysed/m);
    const advice = readAdvice(dir);
    expect(advice.statementsAnalyzed).toBe(0);
    const slow = advice.notAdvisable.filter((n) => n.query.includes('slow()'));
    expect(slow).toHaveLength(2);
    for (const n of slow)
      expect(n.reason).toMatch(/^cannot be planned: .*SQLSTATE 57014, statement timeout \(raise it with --statement-timeout\)/);
    // The advisor's own reads are not bound by it: the catalog was read and the audit ran.
    expect(advice.audit).toBeDefined();
    expect(advice.partial).toBeUndefined();
  });

  it('a role with SELECT on some tables only: the others are skipped (42501), the rest advised', async () => {
    const role = `pgia_some_${Math.random().toString(36).slice(2, 10)}`;
    await db.client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'; GRANT pg_read_all_stats TO ${role};
      GRANT CONNECT ON DATABASE ${dbName} TO ${role}; GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT ON items TO ${role}`);
    try {
      await resetStatementStats(db.client);
      await workload(db.client, [
        ['SELECT id FROM items WHERE sku = $1', ['sku-7']],
        ['SELECT id FROM secrets WHERE owner = $1', ['o7']],
      ]);
      const u = new URL(db.url);
      u.username = role;
      u.password = 'pw';
      const dir = out();
      const r = await startCli(['advise', '--db', u.toString(), '--out', dir]);
      expect(r.stderr).not.toMatch(/^error:/m);
      expect(r.status, r.stderr).toBe(0);
      const advice = readAdvice(dir);
      const secret = advice.notAdvisable.find((n) => n.query.includes('secrets'));
      expect(secret?.reason).toMatch(/SQLSTATE 42501, permission denied/);
      expect(advice.recommendations.map((x) => x.definition).join('\n')).toMatch(/ON public\.items \(sku\)/);
      expect(r.stdout + r.stderr).not.toContain(':pw@');
    } finally {
      await db.client.query(`REVOKE ALL ON DATABASE ${dbName} FROM ${role}; DROP OWNED BY ${role}; DROP ROLE ${role}`);
    }
  });
});
