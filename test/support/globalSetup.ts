// Starts ONE throwaway PostgreSQL cluster (with hypopg and pg_stat_statements) for the whole test
// run and hands its URL to tests as inject('pgUrl'); test files make their own databases on it
// (see createTestDatabase in ./db.ts). With PGIA_DATABASE_URL set, uses that server instead.
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { redactUrl } from '../../src/db/connect.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../../tools/cluster/cluster.js';
import { SetupError } from '../../tools/cluster/setup.js';
import type {} from './db.js'; // the ProvidedContext augmentation (pgUrl)

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const external = process.env.PGIA_DATABASE_URL;
  if (external) {
    const client = new pg.Client({ connectionString: external });
    try {
      await client.connect();
      const { rows } = await client.query<{ v: string }>("select current_setting('server_version') as v");
      console.log(`[pg] tests use PGIA_DATABASE_URL ${redactUrl(external)} (PostgreSQL ${rows[0]?.v})`);
    } catch (err) {
      throw new Error(`PGIA_DATABASE_URL ${redactUrl(external)} does not answer: ${(err as Error).message}`);
    } finally {
      await client.end().catch(() => {});
    }
    project.provide('pgUrl', external);
    project.provide('pgLogFile', '');
    return undefined;
  }

  let cluster: ThrowawayCluster;
  try {
    // No autovacuum: whether a VACUUM set the visibility map a moment before the advice decides
    // whether covering indexes win (index-only scans), so each test fixes its tables' state itself.
    cluster = await startThrowawayCluster({
      database: 'advisor_test',
      settings: ['autovacuum = off'],
      log: (m) => console.log(`[pg] ${m}`),
    });
  } catch (err) {
    if (err instanceof SetupError) {
      // Tests that need the database must not pass silently: stop the whole run here.
      throw new Error(`Cannot start the test PostgreSQL server:\n${err.message}`);
    }
    throw err;
  }
  console.log(`[pg] tests use a throwaway PostgreSQL ${await describeServer(cluster.url)} on ${cluster.host}:${cluster.port}`);
  project.provide('pgUrl', cluster.url);
  project.provide('pgLogFile', cluster.logFile);
  if (!cluster.pgQualstats) console.log('[pg] pg_qualstats is not installed: the tests that need it are skipped');
  return async () => {
    await cluster.stop();
  };
}

/** `17.10 (hypopg 1.4.2, pg_qualstats 2.1.1)`: which server the run tests, for the log of each version of the matrix. */
async function describeServer(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string; hypopg: string | null; qualstats: string | null }>(
      `select current_setting('server_version') as v, (select extversion from pg_extension where extname = 'hypopg') as hypopg,
              (select default_version from pg_available_extensions where name = 'pg_qualstats'
                  and current_setting('shared_preload_libraries') ~ 'pg_qualstats') as qualstats`,
    );
    const r = rows[0];
    // `15.18 (Debian 15.18-0+deb12u1)`: the version is the first word.
    return `${r?.v.split(' ')[0]} (hypopg ${r?.hypopg ?? 'missing'}${r?.qualstats ? `, pg_qualstats ${r.qualstats}` : ''})`;
  } finally {
    await client.end().catch(() => {});
  }
}
