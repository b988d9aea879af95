// A fleet of 31 databases on one server through the command (`nightly --config`), one of them
// unreachable on purpose (dropped): every other database gets its report, the index page links
// them with their figures and names the one that failed, and the exit status says so (6).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetOutcome } from '../src/fleet/run.js';
import { createTestDatabase, resetStatementStats, type TestDatabase } from './support/db.js';

const COUNT = 30;
const dbs: TestDatabase[] = [];
let dir: string;
let run: { status: number | null; stdout: string; stderr: string };

function cli(args: string[], env: NodeJS.ProcessEnv): Promise<typeof run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/pg-index-advisor.js', ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pgia-fleet-'));
  for (let i = 0; i < COUNT; i++) {
    const db = await createTestDatabase(`fleet_${i}`);
    dbs.push(db);
    await db.client.query(`
      CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, region int NOT NULL);
      INSERT INTO accounts SELECT g, 'user' || g || '@example.com', g % 40 FROM generate_series(1, 20000 + ${i} * 100) g;
      ANALYZE accounts;`);
    await resetStatementStats(db.client);
    for (let k = 0; k < 10; k++) await db.client.query('SELECT id, region FROM accounts WHERE email = $1', [`user${k * 31}@example.com`]);
  }
  // The 31st: a database that existed and was dropped (a decommissioned one still in the file).
  const gone = await createTestDatabase('fleet_gone');
  const goneUrl = gone.url;
  await gone.drop();

  const env: NodeJS.ProcessEnv = { PG_URL_GONE: goneUrl };
  const databases = dbs.map((db, i) => {
    // Half of them from the environment, as secrets would come.
    if (i % 2) return { name: `db${String(i).padStart(2, '0')}`, url: db.url };
    env[`PG_URL_${i}`] = db.url;
    return { name: `db${String(i).padStart(2, '0')}`, url: { env: `PG_URL_${i}` } };
  });
  databases.splice(7, 0, { name: 'gone', url: { env: 'PG_URL_GONE' } });
  const config = join(dir, 'fleet.json');
  writeFileSync(
    config,
    JSON.stringify({ history: 'history', out: 'reports', concurrency: 4, perHost: 3, defaults: { audit: true }, databases }, null, 2),
  );
  run = await cli(['nightly', '--config', config], env);
}, 900_000);

afterAll(async () => {
  for (const db of dbs) await db.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('nightly --config over 31 databases, one unreachable', () => {
  it('exits with status 6 and names the one that failed', () => {
    expect(run.stdout).toMatch(/^31 databases in \d+ s: 30 reported, 1 failed \(gone\)\./);
    expect(run.stderr).toMatch(/^gone: failed: cannot connect to postgresql:\/\/.*fleet_gone.*database .* does not exist/m);
    expect(run.status).toBe(6);
  });

  it('every other database has its report, with the night and its advice', () => {
    for (let i = 0; i < COUNT; i++) {
      const name = `db${String(i).padStart(2, '0')}`;
      const md = readFileSync(join(dir, 'reports', name, 'advice.md'), 'utf8');
      expect(md).toMatch(/CREATE INDEX accounts_email_idx ON public\.accounts \(email\)/);
      expect(md).toMatch(/## Since the previous run/);
    }
  });

  it('the index page links every report with its figures, the failure first with its error', () => {
    const md = readFileSync(join(dir, 'reports', 'index.md'), 'utf8');
    expect(md).toMatch(/31 databases: 30 reported, 1 failed/);
    expect(md).toMatch(
      /## Failed\n\n\| database \| target \| error \|\n\|---\|---\|---\|\n\| gone \| `postgresql:\/\/[^`]*fleet_gone[^`]*` \| cannot connect/,
    );
    expect(md).toMatch(/\| db00 \| done \| 1 \| 1 \| [\d.]+ % \| 1 \| 0 \| 0 \| \d+ \| \[advice\.md\]\(db00\/advice\.md\) \|/);
    const json = JSON.parse(readFileSync(join(dir, 'reports', 'index.json'), 'utf8')) as { outcomes: FleetOutcome[] };
    expect(json.outcomes).toHaveLength(31);
    expect(json.outcomes.filter((o) => o.status === 'done')).toHaveLength(30);
    expect(json.outcomes.find((o) => o.name === 'gone')).toMatchObject({ status: 'failed' });
    expect(json.outcomes.every((o) => o.status !== 'done' || o.figures?.windowCalls === 10)).toBe(true);
  });
});

describe('nightly --config with --fail-on and --summary', () => {
  it('exits with status 2 when a report holds advice, names the databases that fail, and writes the index page as the summary', async () => {
    const config = join(dir, 'fleet-two.json');
    const two = dbs.slice(0, 2).map((db, i) => ({ name: `pair${i}`, url: db.url }));
    writeFileSync(config, JSON.stringify({ history: 'history-two', out: 'reports-two', databases: two }, null, 2));
    const summary = join(dir, 'summary.md');
    const r = await cli(['nightly', '--config', config, '--fail-on', 'advice', '--summary', summary], {});
    expect(r.stdout).toMatch(/^2 databases in \d+ s: 2 reported, 0 failed\./);
    expect(r.stderr).toMatch(/^pair0: done \(fails: .*index/m);
    expect(r.stderr).toMatch(/^pair1: done \(fails: /m);
    expect(r.status).toBe(2);
    // The summary is the index page (with a closing newline, as a step summary is appended to).
    expect(readFileSync(summary, 'utf8').trimEnd()).toBe(readFileSync(join(dir, 'reports-two', 'index.md'), 'utf8').trimEnd());
    expect(readFileSync(summary, 'utf8')).toMatch(/2 databases: 2 reported, 0 failed/);
    // Without --fail-on the same night passes.
    const again = await cli(['nightly', '--config', config], {});
    expect(again.status).toBe(0);
  }, 300_000);
});
