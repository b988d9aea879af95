// The command as a user runs it (the built bin/pg-index-advisor.js): bad input gives one clear
// line and exit status 1, never a password; one bad statement never stops the rest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, resetStatementStats, type TestDatabase, urlForDatabase } from './support/db.js';

let db: TestDatabase;
const outDirs: string[] = [];
/** A fresh report folder, removed after the file's tests. */
const out = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgia-cli-'));
  outDirs.push(dir);
  return dir;
};

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/pg-index-advisor.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PGIA_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function withUser(url: string, user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  db = await createTestDatabase('cli');
  await db.client.query(`
    CREATE TABLE items (id int PRIMARY KEY, sku text NOT NULL, shelf int NOT NULL);
    INSERT INTO items SELECT i, 'sku-' || i, i % 50 FROM generate_series(1, 100000) i;
    ANALYZE items;`);
  await resetStatementStats(db.client);
  for (let i = 0; i < 20; i++) await db.client.query('SELECT id FROM items WHERE sku = $1', [`sku-${i}`]);
}, 120_000);

afterAll(async () => {
  await db?.client.query('DROP ROLE IF EXISTS pgia_reader').catch(() => {});
  await db?.drop();
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

describe('pg-index-advisor advise', () => {
  it('writes the reports and says where they are', () => {
    const dir = out();
    const r = cli(['advise', '--db', db.url, '--out', dir, '--no-audit']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/1 index\(es\) recommended/);
    expect(readFileSync(join(dir, 'migration.up.sql'), 'utf8')).toMatch(
      /CREATE INDEX CONCURRENTLY IF NOT EXISTS items_sku_idx ON public\.items \(sku\);/,
    );
    // piped: no progress bar, no terminal escapes
    expect(r.stdout + r.stderr).not.toContain('\x1b[');
  });

  it('an unreachable server: one line naming it, without the password', () => {
    const r = cli(['advise', '--db', 'postgresql://app:s3cret@127.0.0.1:1/app', '--out', out()]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: cannot connect to postgresql:\/\/app:\*\*\*@127\.0\.0\.1:1\/app: .*ECONNREFUSED/);
    expect(r.stdout + r.stderr).not.toContain('s3cret');
  });

  it('hypopg missing in the database: says how to fix it; --create-extension does', async () => {
    const bare = await createTestDatabase('cli_nohypo');
    try {
      await bare.client.query('DROP EXTENSION hypopg');
      await bare.client.query('CREATE TABLE t (a int); SELECT * FROM t WHERE a = 1');
      const r = cli(['advise', '--db', bare.url, '--out', out(), '--no-audit']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /hypopg is available on the server but not created in this database: run CREATE EXTENSION hypopg;.*--create-extension/,
      );
      const fixed = cli(['advise', '--db', bare.url, '--out', out(), '--no-audit', '--create-extension']);
      expect(fixed.status).toBe(0);
    } finally {
      await bare.drop();
    }
  });

  it('pg_stat_statements missing: says what to do', async () => {
    const bare = await createTestDatabase('cli_nopgss');
    try {
      await bare.client.query('DROP EXTENSION pg_stat_statements');
      const r = cli(['advise', '--db', bare.url, '--out', out(), '--no-audit']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/pg_stat_statements is not installed in this database: run CREATE EXTENSION pg_stat_statements;/);
    } finally {
      await bare.drop();
    }
  });

  it("a role without pg_read_all_stats: other roles' statements are hidden, and the report says which grant fixes it", async () => {
    await db.client.query(
      `DROP ROLE IF EXISTS pgia_reader; CREATE ROLE pgia_reader LOGIN PASSWORD 'pw'; GRANT SELECT ON items TO pgia_reader`,
    );
    const dir = out();
    const r = cli(['advise', '--db', withUser(db.url, 'pgia_reader', 'pw'), '--out', dir, '--no-audit']);
    // It sees none of the statements: the report is written, and the exit status says nothing was analysed.
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/warning: \d+ statements of other roles are hidden .*grant pg_read_all_stats/);
    expect(r.stdout + r.stderr).not.toContain(':pw@');
    expect(readFileSync(join(dir, 'advice.md'), 'utf8')).toContain('pg_read_all_stats');
  });

  it('a workload file with a statement that does not parse: reported, the rest advised', () => {
    const dir = out();
    const file = join(dir, 'w.sql');
    writeFileSync(
      file,
      `-- calls: 50\nSELECT id FROM items WHERE sku = 'sku-9';\nSELEC id FROM items;\n-- calls: 5\nSELECT * FROM items WHERE shelf = 3;\n`,
    );
    const r = cli(['advise', '--db', db.url, '--workload', file, '--out', dir, '--no-audit']);
    expect(r.status).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'advice.json'), 'utf8'));
    expect(json.notAdvisable).toEqual([
      expect.objectContaining({ reason: expect.stringMatching(/cannot parse: syntax error at or near "SELEC"/) }),
    ]);
    // literals in a workload file are sample values, not partial-index predicates
    expect(json.recommendations.map((x: { definition: string }) => x.definition).sort()).toEqual([
      'CREATE INDEX items_shelf_idx ON public.items (shelf)',
      'CREATE INDEX items_sku_idx ON public.items (sku)',
    ]);
  });

  it('--verify-real naming the target database is refused, however the URL is spelled, unless --verify-real-on-target', async () => {
    // the same server and database by another host name (localhost for 127.0.0.1) and a query parameter
    const u = new URL(db.url);
    u.hostname = u.hostname === '127.0.0.1' ? 'localhost' : u.hostname;
    u.searchParams.set('application_name', 'scratch');
    const r = cli(['advise', '--db', db.url, '--verify-real', u.toString(), '--out', out(), '--no-audit']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: --verify-real .* is the target database itself .*blocks writes.*--verify-real-on-target/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    const ok = cli(['advise', '--db', db.url, '--verify-real', u.toString(), '--verify-real-on-target', '--out', out(), '--no-audit']);
    expect(ok.status).toBe(0);
    // another database of the same server is a scratch copy
    const scratch = await createTestDatabase('cli_scratch');
    try {
      const other = cli(['advise', '--db', db.url, '--verify-real', scratch.url, '--out', out(), '--no-audit']);
      expect(other.stderr).toBe('');
      expect(other.status).toBe(0);
    } finally {
      await scratch.drop();
    }
  });

  it('a bad option value is refused with one line and a hint to --help, not the whole usage', () => {
    const r = cli(['advise', '--db', db.url, '--budget', 'lots']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/expected a size such as 500MB or 2GB, got "lots"/);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: /), '(add --help for usage)']);
  });

  it('a run that analyses nothing writes its report and exits 3, saying why', async () => {
    const empty = await createTestDatabase('cli_empty');
    try {
      await resetStatementStats(empty.client);
      const dir = out();
      const r = cli(['advise', '--db', empty.url, '--out', dir]);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(/^error: no statement was analysed .*: see .*advice\.md for why$/m);
      expect(readFileSync(join(dir, 'advice.md'), 'utf8')).toMatch(/0 statements analysed/);
    } finally {
      await empty.drop();
    }
  });

  it('--version prints the version', () => {
    const r = cli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });

  it('help shows defaults in the units the README uses', () => {
    const help = cli(['advise', '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--statement-timeout <duration> .*\(default: 30s\)/);
    expect(cli(['audit', '--help']).stdout.replace(/\s+/g, ' ')).toMatch(/--bloat-min-bytes <size> .*\(default: 10MB\)/);
  });

  it('a --db that is not a URL gets its own message, without the value', () => {
    const r = cli(['advise', '--db', 'not a url']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: --db: not a connection URL; expected postgresql:\/\/user@host:5432\/dbname/);
    const secret = cli(['audit', '--db', 'mysql://u:hunter2@db/app']);
    expect(secret.status).toBe(1);
    expect(secret.stderr).not.toMatch(/hunter2/);
  });

  it('an --out that cannot be written is found before any analysis', () => {
    // A folder inside a file: no user, root included, can create it. The server is not even asked.
    const file = join(out(), 'a-file');
    writeFileSync(file, '');
    const r = cli(['advise', '--db', 'postgresql://nobody@127.0.0.1:1/none', '--out', join(file, 'reports')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*ENOTDIR/);
    expect(r.stderr).not.toMatch(/connect|127\.0\.0\.1/);
  });
});

describe('pg-index-advisor audit', () => {
  it('writes the audit and its migrations', () => {
    const dir = out();
    const r = cli(['audit', '--db', db.url, '--db', urlForDatabase(db.url, db.url.split('/').pop()!), '--out', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/finding\(s\) on existing indexes/);
    expect(readFileSync(join(dir, 'audit.up.sql'), 'utf8')).toMatch(/SET lock_timeout/);
  });
});
