// The workload the migration tests advise on: a table whose name and column need quoting, and a
// partitioned table (no CONCURRENTLY on its parent), each with the lookup an index serves, run as
// an application would (bind parameters, so pg_stat_statements shows `$1`).
import type pg from 'pg';
import { resetStatementStats } from './db.js';

/** `before` runs after the tables are loaded and before ANALYZE (a name clash to set up, say). */
export async function quotedAndPartitioned(client: pg.Client, before = ''): Promise<void> {
  await client.query(`
    CREATE TABLE "Weird ""T"" able" (id int PRIMARY KEY, "Owner Id" int NOT NULL, note text);
    INSERT INTO "Weird ""T"" able" SELECT i, i % 30000, 'n' FROM generate_series(1, 150000) i;
    CREATE TABLE measurements (id bigint, sensor_id int NOT NULL, taken_at timestamptz NOT NULL, value float8)
      PARTITION BY RANGE (taken_at);
    CREATE TABLE measurements_2024 PARTITION OF measurements FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
    CREATE TABLE measurements_2025 PARTITION OF measurements FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
    INSERT INTO measurements SELECT i, i % 5000, '2024-01-01'::timestamptz + (i % 700) * interval '1 day', random()
      FROM generate_series(1, 200000) i;
    ${before}
    ANALYZE;`);
  await resetStatementStats(client);
  for (let i = 0; i < 30; i++) {
    await client.query(`SELECT note FROM "Weird ""T"" able" WHERE "Owner Id" = $1`, [i]);
    await client.query('SELECT taken_at, value FROM measurements WHERE sensor_id = $1', [i]);
  }
}
