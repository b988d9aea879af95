// The path users run: the built CLI, `advise --db URL --out DIR` with nothing else, i.e. the
// workload from pg_stat_statements, the nightly report with the audit of existing indexes, and the
// two reconciled (an index the advice recommends that also serves an unindexed foreign key is
// proposed once, by the advice). Progress is drawn on a terminal and never in a pipe.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';

let db: TestDatabase;
const outDirs: string[] = [];
const out = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pgia-cli-default-'));
  outDirs.push(dir);
  return dir;
};

const BIN = 'bin/pg-index-advisor.js';
const cli = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, PGIA_DEBUG: '' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
const read = (dir: string, file: string) => readFileSync(join(dir, file), 'utf8');
/** The shell's single quotes around one argument. */
const sh = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

interface AdviceJson {
  version: number;
  recommendations: Array<{
    name: string;
    definition: string;
    verified: boolean;
    verifiedBy: string;
    candidate: { table: string; method: string; columns: Array<{ column?: string }>; where?: string; reasons: string[] };
  }>;
  audit?: { findings: Array<{ kind: string; table: string; evidence: Record<string, unknown>; upSql: string }> };
  [key: string]: unknown;
}

let dir: string; // the piped default run
let piped: ReturnType<typeof cli>;
let advice: AdviceJson;

beforeAll(async () => {
  db = await createTestDatabase('cli_default');
  const c = db.client;
  // tickets.account_id: a foreign key without an index that the workload filters on (the advice's
  // index serves it too); notes.ticket_id: one the workload never reads (only the audit's business).
  // No autovacuum: a VACUUM that sets the visibility map a moment later, or not, would make index-only
  // scans cheap, or not, and the advice (account_id) or (account_id) INCLUDE (id, subject).
  await c.query(`
    CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL) WITH (autovacuum_enabled = off);
    CREATE TABLE tickets (id int PRIMARY KEY, account_id int NOT NULL REFERENCES accounts, subject text NOT NULL, tags text[] NOT NULL)
      WITH (autovacuum_enabled = off);
    CREATE TABLE notes (id int PRIMARY KEY, ticket_id int NOT NULL REFERENCES tickets, body text NOT NULL) WITH (autovacuum_enabled = off);
    INSERT INTO accounts SELECT i, 'account ' || i FROM generate_series(1, 5000) i;
    INSERT INTO tickets SELECT i, 1 + (i * 7919) % 5000, 'subject ' || i, ARRAY['t' || (i % 200), 'common'] FROM generate_series(1, 100000) i;
    INSERT INTO notes SELECT i, 1 + (i * 31) % 100000, 'note' FROM generate_series(1, 2000) i;
    ANALYZE;`);
  await resetStatementStats(c);
  // Replayed through the extended protocol, as an application sends them, so pg_stat_statements
  // records the $n texts.
  for (let i = 1; i <= 30; i++) {
    await c.query('SELECT id, subject FROM tickets WHERE account_id = $1', [i * 17]);
    await c.query('SELECT name FROM accounts WHERE id = $1', [i]);
    if (i <= 10) await c.query('SELECT id, subject FROM tickets WHERE tags && $1::text[]', [[`t${i}`]]);
  }
  dir = out();
  piped = cli(['advise', '--db', db.url, '--out', dir]);
  advice = JSON.parse(read(dir, 'advice.json'));
}, 180_000);

afterAll(async () => {
  await db?.drop();
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});

describe('advise --db URL --out DIR (pg_stat_statements, with the audit)', () => {
  it('exits 0 and, piped, prints nothing but the summary: no progress, no terminal escapes', () => {
    expect(piped.stderr).toBe('');
    expect(piped.status).toBe(0);
    expect(piped.stdout).not.toContain('\x1b');
    expect(piped.stdout).not.toContain('\r');
    expect(piped.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^2 index\(es\) recommended for 3 statements \(\d+ what-if calls\)\.$/),
      `Report: ${join(dir, 'advice.md')}`,
      `JSON: ${join(dir, 'advice.json')}`,
      `Migration: ${join(dir, 'migration.up.sql')} (down: ${join(dir, 'migration.down.sql')})`,
      `HTML: ${join(dir, 'advice.html')}`,
    ]);
  });

  it('advised from pg_stat_statements: the b-tree verified with hypopg, the GIN estimated by the cost model, both created', () => {
    expect(advice.workloadOrigin).toMatch(/^pg_stat_statements/);
    expect(advice.recommendations.map((r) => [r.definition, r.verified, r.verifiedBy])).toEqual([
      ['CREATE INDEX tickets_account_id_idx ON public.tickets (account_id)', true, 'hypopg'],
      ['CREATE INDEX tickets_tags_gin_idx ON public.tickets USING gin (tags)', false, 'model'],
    ]);
    // the headline counts what the migration creates
    expect(read(dir, 'advice.md')).toMatch(/\n- Estimated workload cost: .* with 2 new indexes\n/);
    expect(read(dir, 'advice.md')).toMatch(/- Verified: estimated \(cost model\) — /);
    const up = read(dir, 'migration.up.sql');
    expect(up.match(/^CREATE INDEX CONCURRENTLY IF NOT EXISTS .*$/gm)).toEqual([
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_account_id_idx ON public.tickets (account_id);',
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS tickets_tags_gin_idx ON public.tickets USING gin (tags);',
    ]);
  });

  it('writes the audit files, and advice.md carries the audit section', () => {
    for (const f of [
      'advice.md',
      'advice.json',
      'migration.up.sql',
      'migration.down.sql',
      'audit.md',
      'audit.json',
      'audit.up.sql',
      'audit.down.sql',
    ]) {
      expect(existsSync(join(dir, f)), f).toBe(true);
    }
    const md = read(dir, 'advice.md');
    expect(md).toContain('\n## Existing indexes (audit)\n');
    expect(md).toContain('### Foreign keys without an index');
    expect(JSON.parse(read(dir, 'audit.json'))).toEqual(advice.audit);
    expect(read(dir, 'audit.up.sql')).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS notes_ticket_id_idx ON public.notes (ticket_id);');
    expect(read(dir, 'audit.down.sql')).toContain('DROP INDEX CONCURRENTLY IF EXISTS public.notes_ticket_id_idx;');
  });

  it('an index that the advice recommends and that serves an unindexed foreign key is proposed once: by the advice, which says so', () => {
    const rec = advice.recommendations.find((r) => r.candidate.table === 'tickets' && r.candidate.method === 'btree')!;
    expect(rec.candidate.reasons).toContain('also indexes foreign key tickets_account_id_fkey (the audit found it unindexed)');
    const fk = (advice.audit?.findings ?? []).filter((f) => f.kind === 'missing-fk-index');
    // the FK the workload never filters on stays the audit's
    expect(fk.map((f) => `${f.table} ${String(f.evidence.foreignKey)}`)).toEqual(['notes notes_ticket_id_fkey']);
    expect(JSON.parse(read(dir, 'audit.json')).findings.filter((f: { table: string }) => f.table === 'tickets')).toEqual([]);
    const all = ['migration.up.sql', 'audit.up.sql', 'advice.md'].map((f) => read(dir, f)).join('\n');
    expect(all.match(/CREATE INDEX CONCURRENTLY IF NOT EXISTS \S+ ON public\.tickets \(account_id\)/g)).toHaveLength(1);
    expect(read(dir, 'advice.md')).toContain('also indexes foreign key tickets_account_id_fkey (the audit found it unindexed)');
  });

  it('--json prints advice.json on stdout, and the summary on stderr', () => {
    const d = out();
    const r = cli(['advise', '--db', db.url, '--out', d, '--json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(read(d, 'advice.json'));
    const json = JSON.parse(r.stdout) as AdviceJson;
    expect(json).toEqual(
      expect.objectContaining({
        version: 1,
        generatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        target: expect.stringMatching(/^postgresql:\/\//),
        serverVersion: expect.any(Number),
        workloadOrigin: expect.stringMatching(/^pg_stat_statements/),
        weight: 'calls',
        statements: expect.any(Array),
        notAdvisable: [],
        skipped: expect.any(Array),
        rejectedCandidates: expect.any(Array),
        workloadCostBefore: expect.any(Number),
        workloadCostAfter: expect.any(Number),
        statementsAnalyzed: 3,
        candidatesConsidered: expect.any(Number),
        whatIfCalls: expect.any(Number),
        warnings: [],
        audit: expect.objectContaining({ findings: expect.any(Array) }),
      }),
    );
    expect(Object.keys(json).sort()).toEqual(Object.keys(advice).sort());
    expect(json.recommendations.map((x) => x.definition)).toEqual(advice.recommendations.map((x) => x.definition));
    for (const x of json.recommendations) {
      expect(x).toEqual(
        expect.objectContaining({
          name: expect.any(String),
          definition: expect.stringMatching(/^CREATE INDEX /),
          candidate: expect.objectContaining({
            schema: 'public',
            table: 'tickets',
            columns: expect.any(Array),
            include: [],
            reasons: expect.any(Array),
            statementIds: expect.any(Array),
          }),
          estimatedBytes: expect.any(Number),
          benefit: expect.any(Number),
          benefitShare: expect.any(Number),
          writeCost: expect.any(Number),
          verified: expect.any(Boolean),
          verification: expect.any(String),
          statements: [
            expect.objectContaining({ statementId: expect.any(String), costBefore: expect.any(Number), weight: expect.any(Number) }),
          ],
        }),
      );
    }
    expect(json.recommendations[0]!.candidate.reasons).toContain(
      'also indexes foreign key tickets_account_id_fkey (the audit found it unindexed)',
    );
    expect(r.stderr).toMatch(/^2 index\(es\) recommended for 3 statements .*\nReport: /);
    expect(r.stderr).not.toContain('\x1b');
  });

  it('on a terminal, an error is printed on a line of its own, after the progress line is cleared', () => {
    const d = out();
    // A server that is not there: the progress line is drawn, then the connection fails.
    const cmd = `${sh(process.execPath)} ${BIN} advise --db ${sh('postgresql://nobody@127.0.0.1:1/none')} --out ${sh(d)}`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const terminal = r.stdout;
    expect(terminal).toMatch(/reading catalog and workload · [\d.]+s/);
    // Cleared, then the error at the start of a line (script turns \n into \r\n).
    expect(terminal).toContain('\r\x1b[2Kerror: ');
    expect(terminal).not.toMatch(/[\d.]+serror/);
  });

  it('on a terminal, progress is drawn on stderr and cleared; stdout still gets only the summary', () => {
    const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
    expect(hasScript, '`script` (util-linux) runs the CLI under a pseudo-terminal').toBe(true);
    const d = out();
    const stdoutFile = join(d, 'stdout.txt');
    // stderr is the pseudo-terminal (what script copies to its stdout); stdout goes to a file
    const cmd = `${sh(process.execPath)} ${BIN} advise --db ${sh(db.url)} --out ${sh(d)} > ${sh(stdoutFile)}`;
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      env: { ...process.env, PGIA_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const terminal = r.stdout;
    // redrawn in place: carriage return + erase line, with the stages and the elapsed time
    expect(terminal).toContain('\r\x1b[2K');
    expect(terminal).toMatch(/reading catalog and workload · [\d.]+s/);
    expect(terminal).toMatch(/verifying \d+ candidates with hypopg/);
    // and erased when done: the last thing on the terminal is an empty line
    expect(terminal.endsWith('\r\x1b[2K')).toBe(true);
    const stdout = read(d, 'stdout.txt');
    expect(stdout).not.toContain('\x1b');
    expect(stdout).not.toContain('\r');
    expect(stdout).toMatch(/^2 index\(es\) recommended for 3 statements .*\nReport: .*\nJSON: .*\nMigration: .*\nHTML: .*\n$/);
  });
});
