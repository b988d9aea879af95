import pg from 'pg';

/** The marker the advisor puts in front of its own SQL, so harvest can leave those statements out. */
export const ADVISOR_MARKER = '/* pg-index-advisor */';

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
  client.on('error', () => {});
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
