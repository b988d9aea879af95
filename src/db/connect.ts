import pg from 'pg';
import { serverMayComeBack, watchConnection } from './errors.js';

/** The marker the advisor puts in front of its own SQL, so harvest can leave those statements out. */
export const ADVISOR_MARKER = '/* pg-index-advisor */';

/**
 * `sql` with ADVISOR_MARKER after its first keyword (`WITH <marker> d AS ...`), for
 * statements that read the user's tables: PostgreSQL 18's pg_stat_statements stores a statement
 * from its first token on, without a leading comment, and harvest would take such a statement for
 * the workload's. (Those that read only catalogs are set aside by what they read, marked or not.)
 */
export function markedWithin(sql: string): string {
  return sql.replace(/^\s*([A-Za-z]+)/, `$1 ${ADVISOR_MARKER}`);
}

export interface ConnectOptions {
  /** statement_timeout for every statement of the session, in ms. */
  statementTimeoutMs?: number;
  /** Session is read-only (default): every transaction it starts is READ ONLY. */
  readOnly?: boolean;
  applicationName?: string;
}

/** Replaces the password of a connection URL, for logs and reports. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/pass|secret|key/i.test(key)) u.searchParams.set(key, '***');
    return u.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@').replace(/(password=)[^\s&]+/gi, '$1***');
  }
}

/**
 * Opens a session for analysis: read-only by default, with a statement timeout, so that nothing the
 * advisor sends can change data or run for long. Errors name the server without its password.
 */
export async function connect(url: string, opts: ConnectOptions = {}): Promise<pg.Client> {
  const client = new pg.Client({
    connectionString: url,
    application_name: opts.applicationName ?? 'pg-index-advisor',
    connectionTimeoutMillis: 15_000,
  });
  // An idle client whose server goes away emits 'error'; without a listener that would crash the run.
  // The listener also marks the client lost, which tells its later errors apart (db/errors.ts).
  watchConnection(client);
  try {
    await client.connect();
    const settings = [`SET statement_timeout = ${Math.max(0, Math.floor(opts.statementTimeoutMs ?? 30_000))}`];
    if (opts.readOnly !== false) settings.push('SET default_transaction_read_only = on');
    settings.push("SET lock_timeout = '2s'");
    await client.query(settings.join('; '));
  } catch (err) {
    await client.end().catch(() => {});
    throw new ConnectionError(`cannot connect to ${redactUrl(url)}: ${(err as Error).message}`, err);
  }
  return client;
}

/**
 * How long a session that lost its connection waits for the server to accept connections again (a
 * restart, a failover) before the run ends partial. A restart of a small server takes seconds.
 */
export const RECONNECT_WAIT_MS = 30_000;

/**
 * Opens the session again after its connection was lost: while the server is restarting or not
 * accepting connections (by SQLSTATE or socket error), tries again every half second, for at most
 * `waitMs`; any other failure (a password, a dropped database) at once.
 */
export async function reconnect(url: string, opts: ConnectOptions = {}, waitMs = RECONNECT_WAIT_MS): Promise<pg.Client> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await connect(url, opts);
    } catch (err) {
      if (!serverMayComeBack(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * statement_timeout of the advisor's own reads (catalogs, statistics, hypopg's bookkeeping): not
 * shorter than the default, so that a short --statement-timeout for planning the workload's
 * statements never leaves the run without its catalog.
 */
export function ownReadsTimeoutMs(statementTimeoutMs: number | undefined): number {
  return Math.max(statementTimeoutMs ?? 0, 30_000);
}

export class ConnectionError extends Error {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

/** The server's major version (15, 16, ...). */
export async function serverMajorVersion(client: pg.Client): Promise<number> {
  const r = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
  return Math.floor(Number(r.rows[0]!.v) / 10000);
}
