// The migrations a user would run: generated from real advice, applied with psql as the README
// says, on names that need quoting and on a partitioned table (no CONCURRENTLY on the parent).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/advise.js';
import { writeAdviceReports } from '../src/report/writeReports.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { quotedAndPartitioned } from './support/quotedAndPartitioned.js';

let db: TestDatabase;
let result: AdviceResult;
let files: Awaited<ReturnType<typeof writeAdviceReports>>;

function psql(url: string, file: string) {
  return spawnSync('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', file], { encoding: 'utf8' });
}

const indexes = async () =>
  (
    await db.client.query<{ indexname: string; valid: boolean; tablename: string }>(
      `SELECT c.relname AS indexname, i.indisvalid AS valid, t.relname AS tablename
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
        WHERE NOT i.indisprimary AND t.relnamespace = 'public'::regnamespace ORDER BY 1`,
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase('migration');
  // Something already named as the index of a partition would be: the migration must not skip
  // the build (IF NOT EXISTS) and then ATTACH what has that name.
  await quotedAndPartitioned(db.client, 'CREATE SEQUENCE measurements_2025_sensor_id_idx;');
  result = await advise({ url: db.url });
  outDir = mkdtempSync(join(tmpdir(), 'pgia-mig-'));
  files = await writeAdviceReports(result, outDir);
}, 180_000);

let outDir: string | undefined;

afterAll(async () => {
  await db?.drop();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

describe('generated migrations', () => {
  it('recommends an index for the quoted table and for the partitioned one', () => {
    const defs = result.recommendations.map((r) => r.definition);
    expect(defs).toContainEqual(expect.stringContaining(`ON public."Weird ""T"" able" ("Owner Id")`));
    expect(defs).toContainEqual(expect.stringContaining('ON public.measurements (sensor_id)'));
  });

  it('builds partition by partition: ON ONLY the parent, CONCURRENTLY on each partition, then ATTACH', () => {
    const up = readFileSync(files.up, 'utf8');
    expect(up).toMatch(/CREATE INDEX IF NOT EXISTS \S+ ON ONLY public\.measurements \(sensor_id\);/);
    expect(up).toMatch(/CREATE INDEX CONCURRENTLY IF NOT EXISTS \S+ ON public\.measurements_2024 \(sensor_id\);/);
    expect(up).toMatch(/ALTER INDEX public\.\S+ ATTACH PARTITION public\.\S+;/);
    // The partition index's name is unique in its schema (a sequence has the plain one).
    expect(up).toContain(
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS measurements_2025_sensor_id_idx_2 ON public.measurements_2025 (sensor_id);',
    );
    expect(up).toContain('ATTACH PARTITION public.measurements_2025_sensor_id_idx_2;');
    expect(up).not.toMatch(/CONCURRENTLY[^;]* ON (ONLY )?public\.measurements \(/);
    expect(up).toMatch(/SET lock_timeout/);
  });

  it('applies with psql, leaves only valid indexes, is safe to rerun, and the down step undoes it', async () => {
    const first = psql(db.url, files.up);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const after = await indexes();
    expect(after.length).toBeGreaterThanOrEqual(result.recommendations.length);
    expect(after.every((i) => i.valid)).toBe(true);
    expect(after.map((i) => i.tablename)).toEqual(
      expect.arrayContaining(['Weird "T" able', 'measurements', 'measurements_2024', 'measurements_2025']),
    );

    const again = psql(db.url, files.up); // IF NOT EXISTS: a rerun changes nothing and does not fail
    expect(again.status).toBe(0);
    expect((await indexes()).length).toBe(after.length);

    const down = psql(db.url, files.down);
    expect(down.status).toBe(0);
    expect(await indexes()).toEqual([]);
  });
});
