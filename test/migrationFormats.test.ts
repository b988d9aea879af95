// The migration in each tool's format, applied and undone on a real server from real advice, on a
// name that needs quoting and a partitioned table: node-pg-migrate for real (its CLI, a
// devDependency); golang-migrate and Flyway as their PostgreSQL drivers run files (golang-migrate:
// a file is one Exec, one simple query; Flyway with executeInTransaction=false: statement by
// statement, no transaction).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advise } from '../src/advise.js';
import { ensureParser, parseSql } from '../src/parse/parser.js';
import { type IndexMigration, indexMigrations, migrationUp } from '../src/report/migration.js';
import { type MigrationFormat, migrationFiles } from '../src/report/migrationFormats.js';
import type { AdviceResult } from '../src/types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';
import { quotedAndPartitioned } from './support/quotedAndPartitioned.js';

let db: TestDatabase;
let result: AdviceResult;
let migrations: IndexMigration[];
const dirs: string[] = [];

/** The indexes the advice creates, by name, with whether each is valid. */
const created = async () =>
  (
    await db.client.query<{ name: string; valid: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE c.relname = ANY($1) ORDER BY 1`,
      [result.recommendations.map((r) => r.name)],
    )
  ).rows;

/** The format's files, written under a fresh folder. */
function write(format: MigrationFormat): string {
  const dir = mkdtempSync(join(tmpdir(), `pgia-${format}-`));
  dirs.push(dir);
  for (const f of migrationFiles(format, migrations, result.generatedAt)) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  return dir;
}

beforeAll(async () => {
  await ensureParser();
  db = await createTestDatabase('migration_formats');
  await quotedAndPartitioned(db.client);
  result = await advise({ url: db.url });
  migrations = indexMigrations(result);
}, 240_000);

afterAll(async () => {
  await db?.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

it('has an index on the quoted table and one on the partitioned table to migrate', () => {
  expect(migrations.map((m) => m.up.length).sort()).toEqual([1, 5]);
});

it('needs the no-transaction modes: the plain migration sent as one query, as a tool does by default, fails', async () => {
  await expect(db.client.query(migrationUp(result))).rejects.toMatchObject({ code: '25001' });
  expect(await created()).toEqual([]);
});

describe('node-pg-migrate', () => {
  const bin = join(dirname(createRequire(import.meta.url).resolve('node-pg-migrate/package.json')), 'bin', 'node-pg-migrate.js');
  const run = (dir: string, ...args: string[]) =>
    spawnSync(process.execPath, [bin, ...args, '-m', join(dir, 'node-pg-migrate'), '--migrations-table', 'pgmigrations'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: db.url },
      timeout: 300_000,
    });

  it('builds every index with `node-pg-migrate up`, and drops them with `down`', async () => {
    const dir = write('node-pg-migrate');
    const up = run(dir, 'up');
    expect(up.status, up.stderr + up.stdout).toBe(0);
    // Its CLI runs all migrations in one transaction by default; a noTransaction() migration breaks out of it.
    expect(up.stderr + up.stdout).toMatch(/Need to break single transaction|not wrapped in a transaction/);
    expect(up.stdout).toMatch(/COMMIT;\nSET lock_timeout = '5s';/);
    expect(await created()).toEqual(expect.arrayContaining(result.recommendations.map((r) => ({ name: r.name, valid: true }))));
    const { rows } = await db.client.query<{ n: number }>('SELECT count(*)::int AS n FROM pgmigrations');
    expect(rows[0]!.n).toBe(migrations.length);
    const down = run(dir, 'down', String(migrations.length));
    expect(down.status, down.stderr + down.stdout).toBe(0);
    expect(await created()).toEqual([]);
  });
});

describe('golang-migrate', () => {
  it('builds every index from its .up.sql files, each sent as one query, and drops them with the .down.sql in reverse', async () => {
    const dir = join(write('golang-migrate'), 'golang-migrate');
    const files = readdirSync(dir).sort();
    const ups = files.filter((f) => f.endsWith('.up.sql'));
    for (const f of ups) await db.client.query(readFileSync(join(dir, f), 'utf8'));
    expect(await created()).toEqual(expect.arrayContaining(result.recommendations.map((r) => ({ name: r.name, valid: true }))));
    for (const f of [...ups].reverse()) await db.client.query(readFileSync(join(dir, f.replace(/\.up\.sql$/, '.down.sql')), 'utf8'));
    expect(await created()).toEqual([]);
  });
});

describe('Flyway', () => {
  /** Flyway runs a script's statements one by one; outside a transaction when its .conf says so. */
  async function runScript(file: string): Promise<void> {
    expect(readFileSync(`${file}.conf`, 'utf8')).toMatch(/^executeInTransaction=false$/m);
    const sql = readFileSync(file, 'utf8');
    const parsed = parseSql(sql);
    if (!parsed.ok) throw new Error(parsed.error);
    for (const [start, end] of parsed.spans) await db.client.query(sql.slice(start, end));
  }

  it('builds every index from its V scripts in version order, and drops them with the undo scripts in reverse', async () => {
    const dir = write('flyway');
    const versioned = readdirSync(join(dir, 'flyway'))
      .filter((f) => f.endsWith('.sql'))
      .sort();
    for (const f of versioned) await runScript(join(dir, 'flyway', f));
    expect(await created()).toEqual(expect.arrayContaining(result.recommendations.map((r) => ({ name: r.name, valid: true }))));
    for (const f of [...versioned].reverse()) await runScript(join(dir, 'flyway-undo', f.replace(/^V/, 'U')));
    expect(await created()).toEqual([]);
    // The session settings were put back (a later migration on the same connection gets the role's).
    const { rows } = await db.client.query<{ t: string }>("SELECT current_setting('lock_timeout') AS t");
    expect(rows[0]!.t).toBe('0');
  });
});
