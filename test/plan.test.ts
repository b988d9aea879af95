// One plan for the two migrations, as a user runs them: the nightly `advise` (advice + audit) on a
// database with INVALID indexes of every kind, then `psql -v ON_ERROR_STOP=1 -f audit.up.sql` and
// `-f migration.up.sql`; both must succeed, build no index twice, and a second audit must find
// nothing new (no duplicate, redundant or invalid index, no foreign key left without its index).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditResult } from '../src/types.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let dir: string;
let psqlPath = 'psql';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['bin/pg-index-advisor.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, PGIA_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function psqlFile(file: string) {
  return spawnSync(psqlPath, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', db.url, '-f', file], { encoding: 'utf8' });
}

/** The statements of a migration that run (comments and blank lines left out). */
const runnable = (sql: string) =>
  sql
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('--'));

/** `table (key)` of every CREATE INDEX that runs. */
const builds = (sql: string) =>
  runnable(sql)
    .map((l) => /^CREATE (?:UNIQUE )?INDEX .* ON (?:ONLY )?public\.(\w+) (?:USING btree )?\((.*)\)/.exec(l))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => `${m[1]} (${m[2]})`);

const auditOf = (out: string): AuditResult => JSON.parse(readFileSync(join(out, 'audit.json'), 'utf8'));

beforeAll(async () => {
  db = await createTestDatabase('plan');
  const c = db.client;
  // psql of the server's own installation (whatever its version), else the one on PATH.
  const bindir = (await c.query<{ setting: string }>("SELECT setting FROM pg_config WHERE name = 'BINDIR'")).rows[0]?.setting;
  if (bindir && existsSync(join(bindir, 'psql'))) psqlPath = join(bindir, 'psql');
  await c.query(`
    CREATE TABLE users (id int PRIMARY KEY, email text NOT NULL, name text);
    INSERT INTO users SELECT g, 'u' || g || '@x.org', 'n' || g FROM generate_series(1, 50000) g;
    CREATE TABLE comments (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, body text);
    INSERT INTO comments SELECT g, 1 + g % 50000, 'b' FROM generate_series(1, 200000) g;
    CREATE TABLE votes (id int PRIMARY KEY, user_id int NOT NULL REFERENCES users, body text);
    INSERT INTO votes SELECT g, 1 + g % 50000, 'v' FROM generate_series(1, 200000) g;
    CREATE TABLE likes (id int PRIMARY KEY, user_id int REFERENCES users);
    INSERT INTO likes SELECT g, 1 + g % 50000 FROM generate_series(1, 20000) g;
    CREATE TABLE orders (id int PRIMARY KEY, code text, note text);
    INSERT INTO orders SELECT g, 'c' || (g % 20000), 'n' FROM generate_series(1, 40000) g;
    CREATE TABLE tags (id int PRIMARY KEY, slug text, other int);
    INSERT INTO tags SELECT g, 's' || (g % 39000), g % 100 FROM generate_series(1, 40000) g;
    CREATE TABLE notes (id int PRIMARY KEY, v int);
    INSERT INTO notes SELECT g, g % 1000 FROM generate_series(1, 40000) g;
    -- plain, and on foreign-key columns: made INVALID as superuser
    CREATE INDEX users_email_idx ON users (email);
    CREATE INDEX comments_user_id_idx ON comments (user_id);
    CREATE INDEX votes_user_id_idx ON votes (user_id);
    CREATE INDEX likes_user_id_idx ON likes (user_id);
    CREATE INDEX notes_v_idx ON notes (v);
    UPDATE pg_index SET indisvalid = false
     WHERE indexrelid IN ('users_email_idx'::regclass, 'comments_user_id_idx'::regclass, 'votes_user_id_idx'::regclass,
                          'likes_user_id_idx'::regclass, 'notes_v_idx'::regclass);`);
  // UNIQUE: failed concurrent builds on duplicate data, for real; tags' duplicates are removed afterwards.
  await expect(c.query('CREATE UNIQUE INDEX CONCURRENTLY orders_code_key ON orders (code)')).rejects.toMatchObject({ code: '23505' });
  await expect(c.query('CREATE UNIQUE INDEX CONCURRENTLY tags_slug_key ON tags (slug)')).rejects.toMatchObject({ code: '23505' });
  await c.query('DELETE FROM tags WHERE id > 39000');
  await c.query('VACUUM ANALYZE');
  dir = mkdtempSync(join(tmpdir(), 'pgia-plan-'));
  writeFileSync(
    join(dir, 'w.sql'),
    [
      ['500', "SELECT id, name FROM users WHERE email = 'u42@x.org'"],
      ['500', 'SELECT count(*) FROM comments WHERE user_id = 42'],
      // a covering index may win here (index-only scans, as VACUUM left the visibility map): either plan is one plan
      ['500', 'SELECT body FROM votes WHERE user_id = 42'],
      ['300', "SELECT note FROM orders WHERE code = 'c17'"],
      ['300', "SELECT id FROM tags WHERE slug = 's17'"],
    ]
      .map(([calls, q]) => `-- calls: ${calls}\n${q};\n`)
      .join(''),
  );
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('advice and audit: one plan for the two migrations', () => {
  let first: AuditResult;
  let auditUp: string;
  let migrationUp: string;
  beforeAll(() => {
    const r = cli(['advise', '--db', db.url, '--workload', join(dir, 'w.sql'), '--out', join(dir, 'first')]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    first = auditOf(join(dir, 'first'));
    auditUp = readFileSync(join(dir, 'first', 'audit.up.sql'), 'utf8');
    migrationUp = readFileSync(join(dir, 'first', 'migration.up.sql'), 'utf8');
  }, 120_000);

  it('decides each invalid index', () => {
    const decided = Object.fromEntries(
      first.findings.filter((f) => f.kind === 'invalid').map((f) => [f.index, `${f.action} (${f.evidence.decision})`]),
    );
    // votes: rebuilt for its foreign key, unless the advice creates an index (user_id) INCLUDE (body) that serves it
    const votes = decided.votes_user_id_idx;
    delete decided.votes_user_id_idx;
    expect(['drop-and-recreate (rebuild)', 'drop (drop)']).toContain(votes);
    expect(decided).toEqual({
      comments_user_id_idx: 'drop-and-recreate (rebuild)', // the only index of a foreign key (and the workload's)
      likes_user_id_idx: 'drop-and-recreate (rebuild)', // the only index of a foreign key
      notes_v_idx: 'review (uncertain)', // nothing says whether it is needed
      orders_code_key: 'drop (drop)', // UNIQUE, and the table holds duplicate keys
      tags_slug_key: 'drop-and-recreate (rebuild)', // UNIQUE, no duplicate key any more
      users_email_idx: 'drop-and-recreate (rebuild)', // the advice wants the same index
    });
    const orders = first.findings.find((f) => f.index === 'orders_code_key')!;
    expect(orders.upSql.join('\n')).toMatch(/20000 key values are duplicated \(40000 rows hold them\), e\.g\. \(code\)=\(c0\) × 2/);
    expect(first.findings.filter((f) => f.kind === 'missing-fk-index')).toEqual([]);
  });

  it('builds each index once, in one of the two migrations, and never a UNIQUE one over duplicate keys', () => {
    const all = [...builds(auditUp), ...builds(migrationUp)];
    expect(new Set(all).size).toBe(all.length);
    const votes = [...builds(auditUp), ...builds(migrationUp)].filter((b) => b.startsWith('votes'));
    expect(votes).toHaveLength(1); // rebuilt by the audit, or (with INCLUDE) created by the advice, never both
    expect(
      builds(auditUp)
        .filter((b) => !b.startsWith('votes'))
        .sort(),
    ).toEqual(['comments (user_id)', 'likes (user_id)', 'tags (slug)', 'users (email)']);
    expect(builds(migrationUp).filter((b) => !b.startsWith('votes'))).toEqual(['orders (code)']);
    expect(runnable(auditUp).join('\n')).not.toMatch(/UNIQUE INDEX CONCURRENTLY orders_code_key/);
    const advice = JSON.parse(readFileSync(join(dir, 'first', 'advice.json'), 'utf8'));
    expect(advice.struckOut.map((s: { reason: string }) => s.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/builds the INVALID public.users_email_idx again/),
        expect.stringMatching(/builds the INVALID public.comments_user_id_idx again/),
        expect.stringMatching(/builds the INVALID public.tags_slug_key again/),
      ]),
    );
  });

  it('both migrations run with psql -v ON_ERROR_STOP=1, and the next audit finds nothing new', async () => {
    for (const file of ['audit.up.sql', 'migration.up.sql']) {
      const r = psqlFile(join(dir, 'first', file));
      expect(r.stderr, file).toBe('');
      expect(r.status, file).toBe(0);
    }
    const invalid = await db.client.query<{ name: string }>(
      'SELECT indexrelid::regclass::text AS name FROM pg_index WHERE NOT indisvalid ORDER BY 1',
    );
    expect(invalid.rows.map((r) => r.name)).toEqual(['notes_v_idx']); // left for a person to decide
    const votes = await db.client.query("SELECT 1 FROM pg_index WHERE indrelid = 'votes'::regclass AND NOT indisprimary");
    expect(votes.rowCount).toBe(1);

    const again = cli(['audit', '--db', db.url, '--out', join(dir, 'second')]);
    expect(again.status).toBe(0);
    const second = auditOf(join(dir, 'second'));
    const key = (f: AuditResult['findings'][number]) => `${f.kind}:${f.index ?? f.table}:${f.action}`;
    expect(second.findings.filter((f) => ['duplicate', 'redundant', 'invalid', 'missing-fk-index'].includes(f.kind)).map(key)).toEqual([
      'invalid:notes_v_idx:review',
    ]);
    const before = new Set(first.findings.map(key));
    expect(second.findings.map(key).filter((k) => !before.has(k))).toEqual([]);

    // and the advice has nothing left to build
    const advise = cli(['advise', '--db', db.url, '--workload', join(dir, 'w.sql'), '--out', join(dir, 'third')]);
    expect(advise.status).toBe(0);
    expect(builds(readFileSync(join(dir, 'third', 'migration.up.sql'), 'utf8'))).toEqual([]);
    expect(builds(readFileSync(join(dir, 'third', 'audit.up.sql'), 'utf8'))).toEqual([]);
  }, 120_000);
});
