// A throwaway PostgreSQL cluster for tests and the demo: initdb into a temp dir, start on a free
// loopback port with pg_stat_statements preloaded and hypopg available, stop and delete it after.
//
// Runs the server binaries as the `postgres` OS user when we are root (initdb and pg_ctl refuse
// to run as root). A process exit / SIGINT / SIGTERM stops clusters still running, and a new start
// removes the leftovers of runs that were killed outright (SIGKILL).
//
// Env: PG_BIN, PGIA_NO_INSTALL and PGIA_VERBOSE are read by setup.ts.

import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { appendFile, chown, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { quoteIdent } from '../../src/db/quote.js';
import { ensurePostgres, type PostgresInstall, SetupError } from './setup.js';

export interface ThrowawayCluster {
  /** `postgresql://postgres@127.0.0.1:<port>/<database>` (trust auth, no password). */
  url: string;
  port: number;
  host: string;
  /** The cluster's data directory (PGDATA); removed by stop(). */
  dataDir: string;
  /** Server major version. */
  version: number;
  /** pg_qualstats is preloaded (each database that wants it runs CREATE EXTENSION pg_qualstats). */
  pgQualstats: boolean;
  /** The server's log file (stderr output, `log_line_prefix = '%m [%p] %q%u@%d '`). */
  logFile: string;
  /** Stops the server and removes the data dir. Safe to call more than once. */
  stop(): Promise<void>;
  /**
   * Restarts the server, keeping its data (fault tests): a fast shutdown ends every session with
   * SQLSTATE 57P01, and connections are refused until the server is up again.
   */
  restart(): Promise<void>;
}

export interface StartClusterOptions {
  log?: (msg: string) => void;
  /** Database to create (with pg_stat_statements and hypopg); default `advisor_demo`. */
  database?: string;
  /** false: never apt-get install hypopg (see ensurePostgres). */
  install?: boolean;
  /** More postgresql.conf lines (`autovacuum = off`). */
  settings?: string[];
}

const TMP_PREFIX = 'pgia-pg-';
const OWNER_FILE = 'pgia-owner.pid';
const LOG_FILE = 'server.log';

interface RunAs {
  uid: number;
  gid: number;
}

interface Running {
  binDir: string;
  dataDir: string;
  runAs?: RunAs;
}

/** Clusters started by this process and not stopped yet. */
const running = new Set<Running>();

function postgresUser(): RunAs {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    if (Number.isInteger(uid) && Number.isInteger(gid) && uid > 0) return { uid, gid };
  } catch {
    // below
  }
  throw new SetupError(
    'Running as root, but there is no `postgres` OS user to run initdb/pg_ctl as (they refuse to run as root). ' +
      'Create one (useradd --system postgres) or run as an ordinary user.',
  );
}

function childEnv(): NodeJS.ProcessEnv {
  // PG* variables of the caller (PGPORT, PGHOST, PGDATA...) must not steer our pg_ctl.
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v;
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return env;
}

interface RunResult {
  code: number;
  output: string;
}

function run(bin: string, args: string[], runAs: RunAs | undefined, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      {
        env: childEnv(),
        cwd: os.tmpdir(),
        encoding: 'utf8',
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
        ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}),
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        const output = `${stdout ?? ''}${stderr ?? ''}${err && typeof err.code !== 'number' ? `\n${err.message}` : ''}`;
        resolve({ code, output });
      },
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('could not pick a free port'))));
    });
  });
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Last lines of the server log, from byte `from` on (to skip earlier start attempts). */
async function readLogTail(dataDir: string, from = 0): Promise<string> {
  try {
    const buf = await readFile(path.join(dataDir, LOG_FILE));
    return tail(buf.subarray(from).toString('utf8')) || '(server log is empty)';
  } catch {
    return '(no server log)';
  }
}

/** Synchronous emergency stop, for exit handlers: immediate shutdown, then delete the dir. */
function stopSync(c: Running): void {
  if (existsSync(path.join(c.dataDir, 'postmaster.pid'))) {
    spawnSync(path.join(c.binDir, 'pg_ctl'), ['stop', '-D', c.dataDir, '-m', 'immediate', '-w', '-t', '10'], {
      env: childEnv(),
      cwd: os.tmpdir(),
      stdio: 'ignore',
      timeout: 15_000,
      ...(c.runAs ? { uid: c.runAs.uid, gid: c.runAs.gid } : {}),
    });
    killPostmaster(c.dataDir);
  }
  rmSync(c.dataDir, { recursive: true, force: true });
}

/** SIGKILL the postmaster named in postmaster.pid if it is still alive (last resort). */
function killPostmaster(dataDir: string): void {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const stopAll = () => {
    for (const c of running) {
      try {
        stopSync(c);
      } catch {
        // keep going: stop the others
      }
    }
    running.clear();
  };
  process.on('exit', stopAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = () => {
      stopAll();
      // If nobody else handles the signal, die of it as we would have without this handler.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, handler);
        process.kill(process.pid, sig);
      }
    };
    process.on(sig, handler);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Stops and removes clusters left behind by runs whose process no longer exists. */
function reapOrphans(install: PostgresInstall, runAs: RunAs | undefined, log: (msg: string) => void): void {
  const tmp = os.tmpdir();
  let entries: string[];
  try {
    entries = readdirSync(tmp).filter((e) => e.startsWith(TMP_PREFIX));
  } catch {
    return;
  }
  for (const e of entries) {
    const dataDir = path.join(tmp, e);
    let owner: number;
    try {
      owner = Number(readFileSync(path.join(dataDir, OWNER_FILE), 'utf8').trim());
    } catch {
      continue; // not ours, being created, or unreadable
    }
    if (!Number.isInteger(owner) || owner <= 0 || pidAlive(owner)) continue;
    log(`removing a throwaway cluster left by process ${owner}: ${dataDir}`);
    try {
      stopSync({ binDir: install.binDir, dataDir, runAs });
    } catch {
      // best effort
    }
  }
}

/**
 * Starts a new PostgreSQL cluster in a temp dir on a free 127.0.0.1 port, with
 * pg_stat_statements preloaded, and creates `database` (default `advisor_demo`) with the
 * pg_stat_statements and hypopg extensions (template1 gets them too, so CREATE DATABASE copies
 * have them). Installs hypopg through ensurePostgres when needed.
 */
export async function startThrowawayCluster(opts: StartClusterOptions = {}): Promise<ThrowawayCluster> {
  const log = opts.log ?? (() => {});
  const database = opts.database ?? 'advisor_demo';

  const install = await ensurePostgres({ log, ...(opts.install !== undefined ? { install: opts.install } : {}) });
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const runAs = isRoot ? postgresUser() : undefined;
  installExitHandlers();
  reapOrphans(install, runAs, log);

  const bin = (name: string) => path.join(install.binDir, name);
  const t0 = Date.now();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), TMP_PREFIX));
  const entry: Running = { binDir: install.binDir, dataDir, ...(runAs ? { runAs } : {}) };
  running.add(entry);
  const fail = async (msg: string): Promise<never> => {
    running.delete(entry);
    try {
      stopSync(entry);
    } catch {
      // best effort
    }
    throw new Error(msg);
  };

  if (runAs) await chown(dataDir, runAs.uid, runAs.gid);

  // initdb; C.UTF-8 where the C library has it, plain C otherwise.
  let init: RunResult | undefined;
  for (const locale of ['C.UTF-8', 'C']) {
    init = await run(
      bin('initdb'),
      ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', `--locale=${locale}`],
      runAs,
      120_000,
    );
    if (init.code === 0) break;
  }
  if (init?.code !== 0) await fail(`initdb failed for ${dataDir}:\n${tail(init?.output ?? '')}`);
  // Marks the dir as ours, for reapOrphans (postgres ignores unknown files in PGDATA).
  await writeFile(path.join(dataDir, OWNER_FILE), `${process.pid}\n`);

  // Settings go to pgia.conf (rewritten for each port we try), included from postgresql.conf.
  await appendFile(path.join(dataDir, 'postgresql.conf'), "\n# pg-index-advisor throwaway cluster\ninclude 'pgia.conf'\n");
  const writeSettings = async (port: number) => {
    const settings = [
      `listen_addresses = '127.0.0.1'`,
      `port = ${port}`,
      `unix_socket_directories = '${dataDir.replace(/'/g, "''")}'`,
      // pg_qualstats when installed (optional): every execution sampled, so tests see every constant.
      ...(install.pgQualstats
        ? [`shared_preload_libraries = 'pg_stat_statements, pg_qualstats'`, `pg_qualstats.sample_rate = 1`, `pg_qualstats.max = 10000`]
        : [`shared_preload_libraries = 'pg_stat_statements'`]),
      `pg_stat_statements.track = 'top'`,
      `pg_stat_statements.max = 10000`,
      `fsync = off`,
      `synchronous_commit = off`,
      `full_page_writes = off`,
      `max_connections = 100`,
      `shared_buffers = 256MB`,
      `logging_collector = off`,
      `log_min_messages = warning`,
      `log_line_prefix = '%m [%p] %q%u@%d '`,
      ...(opts.settings ?? []),
    ];
    const file = path.join(dataDir, 'pgia.conf');
    await writeFile(file, `${settings.join('\n')}\n`);
    if (runAs) await chown(file, runAs.uid, runAs.gid);
  };

  const tInit = Date.now() - t0;
  let port = 0;
  let started = false;
  let lastError = '';
  for (let attempt = 1; attempt <= 5 && !started; attempt++) {
    port = await freePort();
    await writeSettings(port);
    const logSize = fileSize(path.join(dataDir, LOG_FILE));
    const res = await run(
      bin('pg_ctl'),
      ['start', '-D', dataDir, '-l', path.join(dataDir, LOG_FILE), '-w', '-t', '60', '-s'],
      runAs,
      90_000,
    );
    if (res.code === 0) {
      started = true;
      break;
    }
    const logTail = await readLogTail(dataDir, logSize);
    lastError = `pg_ctl start failed (exit ${res.code}) on port ${port}:\n${tail(res.output, 10)}\n--- server log ---\n${logTail}`;
    // Someone took the port between our probe and the server's bind: try another one.
    if (!/could not (bind|create listen socket)|Address already in use/i.test(logTail)) break;
    if (existsSync(path.join(dataDir, 'postmaster.pid'))) killPostmaster(dataDir);
    log(`port ${port} was taken; retrying on another port`);
  }
  if (!started) await fail(lastError);

  const host = '127.0.0.1';
  const baseUrl = (db: string) => `postgresql://postgres@${host}:${port}/${encodeURIComponent(db)}`;

  try {
    const withClient = async (db: string, work: (c: pg.Client) => Promise<void>) => {
      const client = new pg.Client({ connectionString: baseUrl(db) });
      await client.connect();
      try {
        await work(client);
      } finally {
        await client.end();
      }
    };
    const createExtensions = async (c: pg.Client) => {
      await c.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      await c.query('CREATE EXTENSION IF NOT EXISTS hypopg');
    };
    await withClient('template1', createExtensions);
    if (database !== 'template1') {
      await withClient('postgres', async (c) => {
        const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) await c.query(`CREATE DATABASE ${quoteIdent(database)}`);
      });
      await withClient(database, createExtensions);
    }
  } catch (err) {
    await fail(
      `PostgreSQL ${install.version} started on port ${port} but preparing database ${database} failed: ${(err as Error).message}\n` +
        `--- server log ---\n${await readLogTail(dataDir)}`,
    );
  }
  log(
    `PostgreSQL ${install.version} (${install.binDir}${install.pgQualstats ? ', pg_qualstats preloaded' : ''}) running on ${host}:${port}, data in ${dataDir} (ready in ${Date.now() - t0} ms, initdb ${tInit} ms)`,
  );

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!running.has(entry)) return;
      const res = await run(bin('pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30', '-s'], runAs, 45_000);
      if (res.code !== 0 && existsSync(path.join(dataDir, 'postmaster.pid'))) {
        await run(bin('pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate', '-w', '-t', '15', '-s'], runAs, 20_000);
        killPostmaster(dataDir);
      }
      running.delete(entry);
      rmSync(dataDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  const restart = async (): Promise<void> => {
    const res = await run(
      bin('pg_ctl'),
      ['restart', '-D', dataDir, '-m', 'fast', '-l', path.join(dataDir, LOG_FILE), '-w', '-t', '60', '-s'],
      runAs,
      90_000,
    );
    if (res.code !== 0)
      throw new Error(`pg_ctl restart failed (exit ${res.code}):\n${tail(res.output, 10)}\n${await readLogTail(dataDir)}`);
  };

  return {
    url: baseUrl(database),
    port,
    host,
    dataDir,
    version: install.version,
    pgQualstats: install.pgQualstats,
    logFile: path.join(dataDir, LOG_FILE),
    stop,
    restart,
  };
}
