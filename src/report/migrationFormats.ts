// The plain migration's statements written as the migration tools teams use expect them, in each
// tool's no-transaction mode: CREATE and DROP INDEX CONCURRENTLY cannot run inside a transaction
// block, which most tools open around a migration by default.
//
// - node-pg-migrate: one migration per index, `pgm.noTransaction()`, one `pgm.sql` per statement
//   (each runs as its own query). `.cjs`, so it loads the same in CommonJS and ESM projects.
// - golang-migrate: its postgres driver sends a file as one Exec, which PostgreSQL runs as one
//   transaction when it holds several statements; so one statement per file (a partitioned
//   table's index takes several versions), and x-multi-statement / x-use-transaction stay off.
// - Flyway: one versioned migration per index with its script configuration file
//   (`V…sql.conf`: executeInTransaction=false); Flyway runs its statements one by one. The down
//   steps are Flyway's undo migrations (U…, a Teams feature), in a folder of their own.
// The SQL is the plain migration's; only the wrapping differs. Unverified proposals, comments in
// the plain migration, are left out.

import type { IndexMigration } from './migration.js';

export const MIGRATION_FORMATS = ['plain', 'node-pg-migrate', 'golang-migrate', 'flyway'] as const;
export type MigrationFormat = (typeof MIGRATION_FORMATS)[number];

/** A file to write, by its path under the report folder. */
export interface MigrationFile {
  path: string;
  text: string;
}

/** The folders a format writes its files into (replaced whole on each run, even when no index is recommended). */
export function migrationFolders(format: MigrationFormat): string[] {
  return format === 'plain' ? [] : format === 'flyway' ? ['flyway', 'flyway-undo'] : [format];
}

/** Set before the builds and reset after them, as the plain migration does (where the tool lets a file hold them). */
const SESSION = [`SET lock_timeout = '5s'`, 'SET statement_timeout = 0'];
const SESSION_RESET = ['RESET lock_timeout', 'RESET statement_timeout'];

/**
 * The files of a migration format, from the plain migration's statements (none for `plain`, whose
 * migration.up.sql and migration.down.sql are always written). `generatedAt` gives the versions:
 * later than the team's earlier migrations, increasing in the order to apply.
 */
export function migrationFiles(format: MigrationFormat, migrations: IndexMigration[], generatedAt: string): MigrationFile[] {
  const at = Date.parse(generatedAt);
  const t0 = Number.isFinite(at) ? at : 0;
  switch (format) {
    case 'plain':
      return [];
    case 'node-pg-migrate':
      return migrations.map((m, i) => ({
        path: `node-pg-migrate/${t0 + i}_create_${slug(m.name)}.cjs`,
        text: nodePgMigrate(m, generatedAt),
      }));
    case 'golang-migrate':
      return golangMigrate(migrations, t0, generatedAt);
    case 'flyway':
      return migrations.flatMap((m, i) => {
        const name = `${timestamp(t0 + i * 1000)}__create_${slug(m.name)}`;
        return [
          {
            path: `flyway/V${name}.sql`,
            text: sqlFile(m, generatedAt, 'flyway', [...SESSION, ...m.up.map(noSemicolon), ...SESSION_RESET]),
          },
          {
            path: `flyway/V${name}.sql.conf`,
            text: '# CREATE INDEX CONCURRENTLY cannot run inside a transaction block.\nexecuteInTransaction=false\n',
          },
          {
            path: `flyway-undo/U${name}.sql`,
            text: sqlFile(m, generatedAt, 'flyway-undo', [...SESSION, ...m.down.map(noSemicolon), ...SESSION_RESET]),
          },
          { path: `flyway-undo/U${name}.sql.conf`, text: 'executeInTransaction=false\n' },
        ];
      });
  }
}

/** A name safe in a file name and in node-pg-migrate's bookkeeping (which quotes it with no escaping). */
export function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 60) || 'index'
  );
}

/** `20261201023906`: UTC, to the second, as golang-migrate's `create` and Flyway users name versions. */
function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\D/g, '').slice(0, 14);
}

const noSemicolon = (s: string) => s.replace(/;\s*$/, '');

function header(m: IndexMigration, generatedAt: string): string {
  return `pg-index-advisor, ${generatedAt}: ${m.name} (${m.summary})`;
}

function nodePgMigrate(m: IndexMigration, generatedAt: string): string {
  // JSON string literals are JavaScript string literals: quotes and backslashes in names stay intact.
  const calls = (statements: string[]) =>
    [...SESSION, ...statements.map(noSemicolon), ...SESSION_RESET].map((s) => `  pgm.sql(${JSON.stringify(s)});`);
  return [
    `// ${header(m, generatedAt).replace(/[\r\n]+/g, ' ')}`,
    '// CREATE/DROP INDEX CONCURRENTLY cannot run inside a transaction: this migration runs without one.',
    '// A failed build leaves an INVALID index that IF NOT EXISTS would skip: migrate down, then up again.',
    'exports.shorthands = undefined;',
    '',
    'exports.up = (pgm) => {',
    '  pgm.noTransaction();',
    ...calls(m.up),
    '};',
    '',
    'exports.down = (pgm) => {',
    '  pgm.noTransaction();',
    ...calls(m.down),
    '};',
    '',
  ].join('\n');
}

function golangMigrate(migrations: IndexMigration[], t0: number, generatedAt: string): MigrationFile[] {
  const files: MigrationFile[] = [];
  let version = 0;
  for (const m of migrations) {
    // A replacement's steps (check the new index, drop the old one) come last, each with its own way back.
    const replacement = m.replacement ?? [];
    const steps = [
      ...m.up.slice(0, m.up.length - replacement.length).map((up) => ({ up, down: m.down[m.down.length - 1]! })),
      ...replacement,
    ];
    steps.forEach((st, step) => {
      const name = `${timestamp(t0 + version++ * 1000)}_create_${slug(m.name)}${steps.length > 1 ? `_step${step + 1}` : ''}`;
      // Every step of a partitioned table's index undoes the whole index: its DROP (IF EXISTS) takes the
      // attached partition indexes with it, and runs again harmlessly for the earlier steps.
      files.push(
        { path: `golang-migrate/${name}.up.sql`, text: sqlFile(m, generatedAt, 'golang-migrate', [noSemicolon(st.up)]) },
        { path: `golang-migrate/${name}.down.sql`, text: sqlFile(m, generatedAt, 'golang-migrate', [noSemicolon(st.down)]) },
      );
    });
  }
  return files;
}

const SQL_NOTES: Record<'golang-migrate' | 'flyway' | 'flyway-undo', string[]> = {
  'golang-migrate': [
    'One statement a file: golang-migrate sends a file as one Exec, and PostgreSQL runs several statements',
    'sent together as one transaction, where CONCURRENTLY cannot run. Keep x-multi-statement and',
    'x-use-transaction off. This file cannot also SET lock_timeout: set it for the role that migrates',
    "(ALTER ROLE … SET lock_timeout = '5s'), and no x-statement-timeout that would cancel a long build.",
  ],
  flyway: ['Runs outside a transaction (executeInTransaction=false in the .conf file beside it): CONCURRENTLY cannot run in one.'],
  'flyway-undo': ['Flyway undo migration (Teams edition): put it beside the V file it undoes. It runs outside a transaction as well.'],
};

function sqlFile(m: IndexMigration, generatedAt: string, kind: keyof typeof SQL_NOTES, statements: string[]): string {
  return [
    `-- ${header(m, generatedAt).replace(/[\r\n]+/g, ' ')}`,
    ...SQL_NOTES[kind].map((l) => `-- ${l}`),
    ...statements.map((s) => `${s};`),
    '',
  ].join('\n');
}
