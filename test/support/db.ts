// Per-test-file databases on the shared test server (started by ./globalSetup.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the shared test server's `advisor_test` database (or PGIA_DATABASE_URL). */
    pgUrl: string;
    /** The test server's log file (stderr format, log_line_prefix '%m [%p] %q%u@%d '), or '' when it is not ours to read. */
    pgLogFile: string;
  }
}

export interface TestDatabase {
  /** URL of the new database. */
  url: string;
  /** Connected to the new database; closed by drop(). */
  client: pg.Client;
  /** Closes the client and drops the database (WITH (FORCE)). Safe to call more than once. */
  drop(): Promise<void>;
}

/** The same server and credentials as baseUrl, database db. */
export function urlForDatabase(baseUrl: string, db: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${encodeURIComponent(db)}`;
  return u.toString();
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Creates a fresh database named `<prefix>_<random>` on the shared test server, with the
 * pg_stat_statements and hypopg extensions, and a client connected to it.
 */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const baseUrl = inject('pgUrl');
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .slice(0, 40) || 't';
  const name = `${clean}_${randomBytes(6).toString('hex')}`;

  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
  } finally {
    await admin.end();
  }

  const url = urlForDatabase(baseUrl, name);
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('CREATE EXTENSION IF NOT EXISTS hypopg');
  } catch (err) {
    await client.end().catch(() => {});
    await dropDatabase(baseUrl, name).catch(() => {});
    throw err;
  }

  let dropped: Promise<void> | undefined;
  return {
    url,
    client,
    drop: () =>
      (dropped ??= (async () => {
        await client.end().catch(() => {});
        await dropDatabase(baseUrl, name);
      })()),
  };
}

async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** pg_stat_statements_reset() for the client's database only: test files share one server and run at once. */
export async function resetStatementStats(client: pg.Client): Promise<void> {
  await client.query('SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)');
}

/**
 * VACUUM ANALYZE until the visibility map covers the table (else the planner prices index-only
 * scans like index scans). The test cluster commits asynchronously: until the WAL of commits with
 * nearby transaction ids (this file's or another test file's, running at the same time) is flushed,
 * VACUUM may not set hint bits, so it cannot mark the pages all-visible. A moment later it can.
 */
export async function vacuumAnalyze(client: pg.Client, table: string): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    await client.query(`VACUUM ANALYZE ${table}`);
    const r = await client.query(`SELECT relallvisible::float8 / greatest(relpages, 1) AS share FROM pg_class WHERE oid = $1::regclass`, [
      table,
    ]);
    if (r.rows[0].share > 0.95) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
