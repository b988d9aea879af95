// The advisor's own footprint in the target's pg_stat_statements (default track = top,
// track_utility = on), for an ordinary monitoring role: a handful of entries whatever the
// workload's size, where the role may run a DO block; one per statement costed where it may not
// (no USAGE on PL/pgSQL), and then the report says why.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { advise } from '../src/advise.js';
import { createTestDatabase, type TestDatabase } from './support/db.js';

let db: TestDatabase;
let dir: string;
let workloadFile: string;
const suffix = Math.random().toString(36).slice(2, 8);
const QUIET = `pgia_fp_${suffix}`;
const NO_DO = `pgia_fp_nodo_${suffix}`;
const COLUMNS = 8;

function asRole(url: string, role: string): string {
  const u = new URL(url);
  u.username = role;
  u.password = 'pw';
  return u.toString();
}

/** 240 statements no two of which have the same structure: columns, operators, parameters or constants. */
function workload(): Array<{ query: string; calls: number }> {
  const out: Array<{ query: string; calls: number }> = [];
  const ops = ['=', '>', '<'];
  for (let i = 1; i <= COLUMNS; i++)
    for (let j = 1; j <= COLUMNS; j++) {
      if (i === j) continue;
      for (const [k, op] of ops.entries()) {
        // half with $n parameters (costed by PREPARE and EXPLAIN EXECUTE on PostgreSQL 15), half with constants
        const param = (i + j + k) % 2 === 0;
        const v = param ? ['$1', '$2'] : [String(i * 10 + k), String(j)];
        out.push({ query: `SELECT id FROM wide WHERE c${i} ${op} ${v[0]} AND c${j} = ${v[1]}`, calls: 10 + i * j });
      }
    }
  return out.slice(0, 240);
}

/** The entries the role's advise run left in this database, by text. */
async function entriesOf(role: string): Promise<string[]> {
  const r = await db.client.query<{ query: string }>(
    `SELECT query FROM pg_stat_statements
      WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND userid = $1::regrole`,
    [role],
  );
  return r.rows.map((x) => x.query);
}

async function resetEntries(role: string): Promise<void> {
  await db.client.query(
    'SELECT pg_stat_statements_reset($1::regrole, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)',
    [role],
  );
}

/** Texts of the what-if path: EXPLAIN, PREPARE, DEALLOCATE, plan_cache_mode, the batch, hypopg. */
const whatIf = (q: string) => /EXPLAIN|PREPARE|DEALLOCATE|plan_cache_mode|pgia\.|hypopg|DO \$/i.test(q);

beforeAll(async () => {
  db = await createTestDatabase('footprint');
  const cols = Array.from({ length: COLUMNS }, (_, i) => `c${i + 1} int`).join(', ');
  const values = Array.from({ length: COLUMNS }, (_, i) => `(g * ${i + 7}) % ${10 ** ((i % 4) + 1)}`).join(', ');
  await db.client.query(`
    CREATE TABLE wide (id int PRIMARY KEY, ${cols});
    INSERT INTO wide SELECT g, ${values} FROM generate_series(1, 20000) g;
    ANALYZE wide;
    CREATE ROLE ${QUIET} LOGIN PASSWORD 'pw' IN ROLE pg_monitor;
    CREATE ROLE ${NO_DO} LOGIN PASSWORD 'pw' IN ROLE pg_monitor;
    GRANT SELECT ON wide TO ${QUIET}, ${NO_DO};
    -- PL/pgSQL's USAGE is PUBLIC's by default: take it from one role (in this database only)
    REVOKE USAGE ON LANGUAGE plpgsql FROM PUBLIC;
    GRANT USAGE ON LANGUAGE plpgsql TO ${QUIET};`);
  dir = mkdtempSync(join(tmpdir(), 'pgia-footprint-'));
  workloadFile = join(dir, 'w.json');
  writeFileSync(workloadFile, JSON.stringify(workload()));
}, 60_000);

afterAll(async () => {
  await db?.drop();
  for (const role of [QUIET, NO_DO]) await dropRole(role);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function dropRole(role: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgUrl') });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
  } finally {
    await admin.end();
  }
}

describe("the advisor's entries in pg_stat_statements", () => {
  let quiet: { entries: string[]; recommendations: string[]; warnings: string[]; statements: number };
  beforeAll(async () => {
    await resetEntries(QUIET);
    const r = await advise({ url: asRole(db.url, QUIET), workloadFile, concurrency: 2 });
    quiet = {
      entries: await entriesOf(QUIET),
      recommendations: r.recommendations.map((x) => x.definition),
      warnings: r.warnings,
      statements: r.statementsAnalyzed,
    };
  }, 180_000);

  it('a monitoring role that may run DO leaves a handful, however many statements it costs', () => {
    expect(quiet.statements).toBeGreaterThan(150); // statements of one fingerprint are one
    expect(quiet.recommendations.length).toBeGreaterThan(0);
    const own = quiet.entries.filter(whatIf);
    expect(own.length, own.join('\n')).toBeLessThanOrEqual(10);
    // every entry is one of a fixed set of texts: catalog reads, session settings, the batch
    expect(quiet.entries.length, quiet.entries.join('\n')).toBeLessThanOrEqual(30);
    expect(quiet.entries.filter((q) => /^\s*(\/\*.*?\*\/\s*)?(EXPLAIN|PREPARE)/i.test(q))).toEqual([]);
    expect(quiet.warnings.join('\n')).not.toMatch(/DO block/);
  });

  it('a role that may not falls back to sending each EXPLAIN, gives the same advice, and says so once', async () => {
    await resetEntries(NO_DO);
    const r = await advise({ url: asRole(db.url, NO_DO), workloadFile, concurrency: 2 });
    expect(r.recommendations.map((x) => x.definition)).toEqual(quiet.recommendations);
    expect(r.warnings.filter((w) => /cannot run a DO block \(42501: /.test(w))).toHaveLength(1);
    const own = (await entriesOf(NO_DO)).filter(whatIf);
    expect(own.length).toBeGreaterThan(100);
  }, 180_000);
});
