// `npm run test:matrix [-- local 17 18]`: the unit tests once, then the integration suite against
// each PostgreSQL of the matrix, one after the other: `local` (the machine's own server, as `npm
// test` uses it) and the portable builds (tools/portable/), each with its own throwaway cluster.
// Ends with one line per version (`PostgreSQL 17.10 (hypopg 1.4.2, pg_qualstats 2.1.1): 184 passed, 0 failed, 1
// skipped in 2m05s`); exits 1 when any run failed.
//
// Env: the variables of tools/cluster/setup.ts; PGIA_PG_MAJOR is set per run.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findPostgresInstalls } from '../cluster/setup.js';
import { SetupError } from '../cluster/setupError.js';
import { PORTABLE_MAJORS, preparePortablePostgres } from '../portable/portable.js';

interface RunSummary {
  label: string;
  server: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** Set when the run could not start or report (setup failed, vitest crashed). */
  error?: string;
}

function repoRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'vitest.config.ts'))) return dir;
    if (path.dirname(dir) === dir) throw new Error('no repository root above this file');
  }
}

const root = repoRoot();
const log = (m: string) => console.log(`[matrix] ${m}`);

function minutes(seconds: number): string {
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`;
}

/** The versions to run: `local` and portable majors, without running one major twice. */
function plan(args: string[]): string[] {
  const wanted = args.length > 0 ? args : ['local', ...Object.keys(PORTABLE_MAJORS)];
  const localMajor = findPostgresInstalls().find((i) => i.binDir.startsWith('/usr/lib/postgresql/'))?.version;
  const out: string[] = [];
  for (const w of wanted) {
    if (w !== 'local' && !PORTABLE_MAJORS[Number(w)] && Number(w) !== localMajor) {
      throw new SetupError(`unknown version ${w}: use local or one of ${Object.keys(PORTABLE_MAJORS).join(', ')}`);
    }
    // The local server is that major already.
    const key = w === 'local' || Number(w) === localMajor ? 'local' : w;
    if (!out.includes(key)) out.push(key);
  }
  return out;
}

/** Runs vitest with `args`; its output goes through, and the line that names the server is kept. */
function vitest(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; server?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let server: string | undefined;
    let pending = '';
    child.stdout.on('data', (buf: Buffer) => {
      process.stdout.write(buf);
      pending += buf.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) {
        const m = /\[pg\] tests use (?:a throwaway )?(PostgreSQL .*?)(?: on \S+)?\s*$/.exec(l);
        if (m) server = m[1];
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, ...(server ? { server } : {}) }));
  });
}

async function runIntegration(label: string): Promise<RunSummary> {
  const t0 = Date.now();
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.PGIA_PG_MAJOR;
  if (label !== 'local') {
    env.PGIA_PG_MAJOR = label;
    // Built (or found in the cache) before the suite, so the build is not inside vitest's hook timeout.
    const pg = await preparePortablePostgres(Number(label), { log });
    log(
      `PostgreSQL ${pg.serverVersion} with hypopg ${pg.hypopgVersion}, pg_qualstats ${pg.pgQualstatsVersion ?? 'none'}${pg.cached ? ' (cached)' : ''} in ${pg.binDir}`,
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgia-matrix-'));
  const report = path.join(dir, 'report.json');
  try {
    log(`integration suite against ${label === 'local' ? 'the local PostgreSQL' : `PostgreSQL ${label}`}…`);
    const r = await vitest(['--project', 'integration', '--reporter=default', '--reporter=json', `--outputFile=${report}`], env);
    const seconds = (Date.now() - t0) / 1000;
    const server = r.server ?? `PostgreSQL ${label}`;
    if (!existsSync(report))
      return { label, server, passed: 0, failed: 0, skipped: 0, seconds, error: `vitest exited ${r.code} without a report` };
    const j = JSON.parse(readFileSync(report, 'utf8')) as {
      numPassedTests: number;
      numFailedTests: number;
      numPendingTests: number;
      numTodoTests: number;
    };
    const summary: RunSummary = {
      label,
      server,
      passed: j.numPassedTests,
      failed: j.numFailedTests,
      skipped: j.numPendingTests + j.numTodoTests,
      seconds,
    };
    // A suite that failed before any test (setup) reports no failed test: count it as a failure.
    if (r.code !== 0 && summary.failed === 0) summary.error = `vitest exited ${r.code}`;
    return summary;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const versions = plan(process.argv.slice(2));
  log(`versions: ${versions.join(', ')}`);
  const t0 = Date.now();
  const unit = await vitest(['--project', 'unit'], process.env);
  const results: RunSummary[] = [];
  for (const v of versions) {
    try {
      results.push(await runIntegration(v));
    } catch (err) {
      results.push({
        label: v,
        server: `PostgreSQL ${v}`,
        passed: 0,
        failed: 0,
        skipped: 0,
        seconds: 0,
        error: (err as Error).message.split('\n')[0]!,
      });
    }
  }
  console.log('');
  console.log(`[matrix] unit tests: ${unit.code === 0 ? 'passed' : 'FAILED'}`);
  for (const r of results) {
    const counts = `${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${minutes(r.seconds)}`;
    console.log(`[matrix] ${r.server}: ${r.error ? `FAILED (${r.error}); ` : ''}${counts}`);
  }
  const ok = unit.code === 0 && results.every((r) => !r.error && r.failed === 0 && r.passed > 0);
  console.log(`[matrix] ${ok ? 'all versions passed' : 'FAILED'} in ${minutes((Date.now() - t0) / 1000)}`);
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof SetupError ? `error: ${err.message}` : err);
    process.exit(1);
  },
);
