// Per-test-file databases on the shared test server (started by ./globalSetup.ts).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the shared test server's `advisor_test` database (or PGIA_DATABASE_URL). */
    pgUrl: string;
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
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40) || 't';
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
