// Helpers of the fault tests (test/faults*.test.ts): the built CLI run in the background, a gate
// that holds the advisor inside one EXPLAIN until the test has done its damage, and a look at the
// advisor's backends.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The built command, as a user runs it, in the background. */
export function startCli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/pg-index-advisor.js', ...args], {
      env: { ...process.env, PGIA_DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

export interface AdviceJson {
  statementsAnalyzed: number;
  recommendations: Array<{ definition: string }>;
  notAdvisable: Array<{ query: string; reason: string }>;
  statements: Array<{ query: string; costBefore: number | null }>;
  rejectedCandidates: Array<{ definition: string; reason: string }>;
  warnings: string[];
  partial?: { during: string; error: string; missing: string[]; recommendationsComplete: boolean };
  audit?: unknown;
}

export const readAdvice = (dir: string): AdviceJson => JSON.parse(readFileSync(join(dir, 'advice.json'), 'utf8'));
export const readMarkdown = (dir: string): string => readFileSync(join(dir, 'advice.md'), 'utf8');

/**
 * A gate in the database: `gate()` is IMMUTABLE, so the planner calls it while it plans a statement
 * that uses it (EXPLAIN included), and it returns only once `gate_seq` is 1. Sequences are read
 * outside any snapshot, so a closed gate opens for a waiting session the moment the test opens it.
 */
export async function createGate(client: pg.Client): Promise<void> {
  await client.query(`
    CREATE SEQUENCE gate_seq MINVALUE 0 START 1;
    CREATE FUNCTION gate() RETURNS int IMMUTABLE LANGUAGE plpgsql AS $$
    BEGIN
      WHILE (SELECT last_value FROM gate_seq) = 0 LOOP PERFORM pg_sleep(0.02); END LOOP;
      RETURN 1;
    END $$;`);
}

export const closeGate = (client: pg.Client) => client.query(`SELECT setval('gate_seq', 0)`);
export const openGate = (client: pg.Client) => client.query(`SELECT setval('gate_seq', 1)`);

const ADVISOR_SESSIONS = `datname = $1 AND application_name LIKE 'pg-index-advisor%' AND pid <> pg_backend_pid()`;

/**
 * Waits for one of the advisor's backends to be held at the gate (pg_sleep inside it), other than
 * `except`; returns its pid. The advisor cannot get past the gate, so this does not race with it.
 */
export async function waitAtGate(url: string, database: string, except: number[] = [], what = 'the gate'): Promise<number> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      const r = await client.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE ${ADVISOR_SESSIONS} AND wait_event = 'PgSleep' AND NOT (pid = ANY($2::int[]))`,
        [database, except],
      );
      if (r.rows[0]) return r.rows[0].pid;
    } catch {
      // the server is restarting: look again
    } finally {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) throw new Error(`no advisor backend reached ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * pg_terminate_backend() on every backend of the advisor in the database; returns their pids. In
 * two steps: in one WHERE, the planner may call pg_terminate_backend() before it filters by
 * database (the pid column comes from a function scan it pushes the call down to), which would end
 * the advisor runs of the other test files on the shared server too.
 */
export async function terminateAdvisor(client: pg.Client, database: string): Promise<number[]> {
  const found = await client.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE ${ADVISOR_SESSIONS}`, [database]);
  const pids = found.rows.map((row) => row.pid);
  const r = await client.query<{ pid: number }>('SELECT p AS pid FROM unnest($1::int[]) AS p WHERE pg_terminate_backend(p)', [pids]);
  return r.rows.map((row) => row.pid);
}

/** A fresh client on `url` for one piece of work (the test's own sessions do not survive a restart). */
export async function onFreshClient<T>(url: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/** `work` while another session holds `table` ACCESS EXCLUSIVE (in an open transaction, rolled back after). */
export async function whileLocked<T>(url: string, table: string, work: () => Promise<T>): Promise<T> {
  return onFreshClient(url, async (holder) => {
    await holder.query('BEGIN');
    try {
      await holder.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
      return await work();
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
    }
  });
}
