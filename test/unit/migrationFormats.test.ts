// The migration tools' file names and no-transaction markers (test/migrationFormats.test.ts
// applies them on a real server; node-pg-migrate through its own CLI).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureParser, parseSql } from '../../src/parse/parser.js';
import type { IndexMigration } from '../../src/report/migration.js';
import { migrationFiles, migrationFolders, slug } from '../../src/report/migrationFormats.js';
import { writeAdviceReports } from '../../src/report/writeReports.js';
import type { AdviceResult } from '../../src/types.js';

const AT = '2026-12-01T02:39:06.855Z';
const plain: IndexMigration = {
  name: 'orders_customer_id_idx',
  summary: 'equality on customer_id',
  up: ['CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON public.orders (customer_id);'],
  down: ['DROP INDEX CONCURRENTLY IF EXISTS public.orders_customer_id_idx;'],
};
const partitioned: IndexMigration = {
  name: 'Weird "T" idx',
  summary: "equality on sensor_id; it's \\ quoted\nand two lines",
  up: [
    'CREATE INDEX IF NOT EXISTS "Weird ""T"" idx" ON ONLY public.m (sensor_id);',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS m_2024_idx ON public.m_2024 (sensor_id);',
    'ALTER INDEX public."Weird ""T"" idx" ATTACH PARTITION public.m_2024_idx;',
  ],
  down: ['DROP INDEX IF EXISTS public."Weird ""T"" idx";'],
};

beforeAll(() => ensureParser());

const paths = (files: Array<{ path: string }>) => files.map((f) => f.path);

describe('migration formats', () => {
  it('plain adds no file: migration.up.sql and migration.down.sql are the plain format', () => {
    expect(migrationFiles('plain', [plain], AT)).toEqual([]);
    expect(migrationFolders('plain')).toEqual([]);
  });

  it('node-pg-migrate: one .cjs migration per index, timestamped, in noTransaction mode, one pgm.sql per statement', () => {
    const files = migrationFiles('node-pg-migrate', [plain, partitioned], AT);
    const t = Date.parse(AT);
    expect(paths(files)).toEqual([
      `node-pg-migrate/${t}_create_orders_customer_id_idx.cjs`,
      `node-pg-migrate/${t + 1}_create_weird_t_idx.cjs`,
    ]);
    const text = files[1]!.text;
    expect(text).toContain('exports.shorthands = undefined;');
    expect(text.match(/pgm\.noTransaction\(\);/g)).toHaveLength(2);
    // Loads as CommonJS, and the statements come out exactly as the plain migration has them.
    const module = { exports: {} as Record<string, (pgm: unknown) => void> };
    new Function('exports', 'module', text)(module.exports, module);
    const sql: string[] = [];
    let noTransaction = 0;
    module.exports.up!({ noTransaction: () => noTransaction++, sql: (s: string) => sql.push(s) });
    expect(noTransaction).toBe(1);
    expect(sql).toEqual([
      "SET lock_timeout = '5s'",
      'SET statement_timeout = 0',
      ...partitioned.up.map((s) => s.replace(/;$/, '')),
      'RESET lock_timeout',
      'RESET statement_timeout',
    ]);
  });

  it('golang-migrate: NNN_name.up.sql and .down.sql pairs holding one statement each, versions increasing', () => {
    const files = migrationFiles('golang-migrate', [plain, partitioned], AT);
    expect(paths(files)).toEqual([
      'golang-migrate/20261201023906_create_orders_customer_id_idx.up.sql',
      'golang-migrate/20261201023906_create_orders_customer_id_idx.down.sql',
      'golang-migrate/20261201023907_create_weird_t_idx_step1.up.sql',
      'golang-migrate/20261201023907_create_weird_t_idx_step1.down.sql',
      'golang-migrate/20261201023908_create_weird_t_idx_step2.up.sql',
      'golang-migrate/20261201023908_create_weird_t_idx_step2.down.sql',
      'golang-migrate/20261201023909_create_weird_t_idx_step3.up.sql',
      'golang-migrate/20261201023909_create_weird_t_idx_step3.down.sql',
    ]);
    for (const f of files) {
      const parsed = parseSql(f.text);
      expect(parsed.ok && parsed.stmts.length, f.path).toBe(1);
      expect(f.text).toMatch(/x-multi-statement and\n-- x-use-transaction off/);
    }
    expect(files[7]!.text).toContain('DROP INDEX IF EXISTS public."Weird ""T"" idx";');
  });

  it('Flyway: V<version>__<description>.sql with a .sql.conf saying executeInTransaction=false, and undo scripts apart', () => {
    const files = migrationFiles('flyway', [plain, partitioned], AT);
    expect(paths(files)).toEqual([
      'flyway/V20261201023906__create_orders_customer_id_idx.sql',
      'flyway/V20261201023906__create_orders_customer_id_idx.sql.conf',
      'flyway-undo/U20261201023906__create_orders_customer_id_idx.sql',
      'flyway-undo/U20261201023906__create_orders_customer_id_idx.sql.conf',
      'flyway/V20261201023907__create_weird_t_idx.sql',
      'flyway/V20261201023907__create_weird_t_idx.sql.conf',
      'flyway-undo/U20261201023907__create_weird_t_idx.sql',
      'flyway-undo/U20261201023907__create_weird_t_idx.sql.conf',
    ]);
    for (const f of files.filter((x) => x.path.endsWith('.conf'))) expect(f.text).toMatch(/^executeInTransaction=false$/m);
    const v = files[4]!.text;
    const parsed = parseSql(v);
    expect(parsed.ok && parsed.stmts.length).toBe(3 + 4);
    expect(v).toContain(partitioned.up[2]);
    expect(migrationFolders('flyway')).toEqual(['flyway', 'flyway-undo']);
  });

  it('names files from index names safely', () => {
    expect(slug('Weird "T" idx')).toBe('weird_t_idx');
    expect(slug("x'; DROP TABLE pgmigrations; --")).toBe('x_drop_table_pgmigrations');
    expect(slug('"""')).toBe('index');
  });
});

describe('--migration-format in the report folder', () => {
  const demo = JSON.parse(readFileSync(new URL('../../reports/example/advice.json', import.meta.url), 'utf8')) as AdviceResult;

  it("writes the tool's folders beside the plain migration, and replaces them whole on the next run", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pgia-formats-'));
    try {
      const first = await writeAdviceReports(demo, dir, { migrationFormat: 'flyway' });
      expect(first.migrationFolders).toEqual([join(dir, 'flyway'), join(dir, 'flyway-undo')]);
      expect(readdirSync(join(dir, 'flyway')).filter((f) => f.endsWith('.sql'))).toHaveLength(demo.recommendations.length);
      expect(existsSync(join(dir, 'migration.up.sql'))).toBe(true);
      // A night with nothing to create leaves no version of the night before to apply again.
      await writeAdviceReports({ ...demo, recommendations: [] }, dir, { migrationFormat: 'flyway' });
      expect(readdirSync(join(dir, 'flyway'))).toEqual([]);
      expect(readdirSync(dir).filter((f) => f.startsWith('.pgia-tmp-'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
